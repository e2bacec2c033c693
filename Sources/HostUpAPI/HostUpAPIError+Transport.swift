#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import NIOCore
import NIOPosix

/// A readable one-line summary of an AsyncHTTPClient/NIO error that produced no HTTP answer.
///
/// NOTE: NIO's TLS error types live in a module this target does not import (NIOSSL); their descriptions are
/// stable enough to classify by ("handshakeFailed(…)"). A failed connect (`NIOConnectionError`) is described from
/// its fields instead of its text: NIO's `IOError` description ends in a stray parenthesis ("connection reset
/// (error set): Connection refused) (errno: 111)", `reasonForError` in NIOCore/IO.swift), and its "connection reset"
/// wording is NIO's, for an error that `SO_ERROR` reported after a non-blocking connect(2).
struct TransportFailure {
    var summary: String

    init(_ error: any Error) {
        let text = String(describing: error)
        if let error = error as? HTTPClientError {
            if text.contains("invalidHeaderField") {
                // NOTE: AsyncHTTPClient's `invalidHeaderFieldValues` carries the offending header line, which may
                // be `Authorization: Bearer <token>`: its text is never shown or logged.
                summary = "a request header has a name or value HTTP does not allow (not shown: it may hold the token)"
                return
            }
            switch error {
            case .connectTimeout:
                summary = "timed out connecting to the server"
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                summary = "timed out waiting for the response"
            case .tlsHandshakeTimeout:
                summary = "TLS handshake timed out"
            case .remoteConnectionClosed:
                summary = "connection dropped before a complete response"
            default:
                summary = "request failed: \(text)"
            }
            return
        }
        if let error = error as? IOError {
            summary = "\(Self.kind(of: error)): \(Self.describe(error))"
            return
        }
        if let error = error as? NIOConnectionError, error.dnsAError == nil, error.dnsAAAAError == nil,
            let first = error.connectionErrors.first
        {
            let attempts = error.connectionErrors.map { "\($0.target): \(Self.describe($0.error))" }
            let kind = (first.error as? IOError).map(Self.kind(of:)) ?? "connect failed"
            summary = "\(kind): " + attempts.joined(separator: ", ")
            return
        }
        let lowered = text.lowercased()
        if lowered.hasPrefix("dns error") {
            summary = "DNS lookup failed: \(text)"
        } else if lowered.contains("connection refused") {
            summary = "connection refused: \(text)"
        } else if lowered.contains("handshake") || lowered.contains("certificate") || lowered.contains("ssl")
            || lowered.contains("tls") || lowered.contains("uncleanshutdown")
        {
            summary = "TLS failed: \(Self.tlsReason(text))"
        } else if lowered.contains("connection reset") || lowered.contains("eof") || lowered.contains("closed") {
            summary = "connection dropped: \(text)"
        } else {
            summary = "transport failure: \(text)"
        }
    }

    /// A NIOSSL error's text as a sentence. Its description is a Swift dump such as
    /// `handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435703 error:100000f7:SSL
    /// routines:OPENSSL_internal:WRONG_VERSION_NUMBER at /…/tls_record.cc:127]))`: only BoringSSL's reason
    /// (`WRONG_VERSION_NUMBER`) is kept, explained when it is a common one, and no type name or build path.
    static func tlsReason(_ text: String) -> String {
        let lowered = text.lowercased()
        if lowered.contains("failedtovalidatehostname") {
            return "the server's certificate is not for this host name"
        }
        if lowered.contains("uncleanshutdown") {
            return "the server closed the TLS connection without a close_notify"
        }
        // BoringSSL's "error:XXXXXXXX:LIBRARY routines:FUNCTION:REASON": the last colon-separated word before " at ".
        var reason: String?
        if let range = text.firstRange(of: "OPENSSL_internal:") {
            let rest = text[range.upperBound...]
            let word = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !word.isEmpty { reason = String(word) }
        }
        switch reason {
        case "CERTIFICATE_VERIFY_FAILED":
            return "the server's certificate was not accepted (expired or not yet valid: check the clock; or not "
                + "signed by a CA in the system's store: apt-get install ca-certificates)"
        case "WRONG_VERSION_NUMBER":
            return "the server did not answer in TLS (is it plain HTTP on this port? check the scheme of api_url)"
        case "TLSV1_ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL":
            return "the server and the agent share no TLS version"
        case "SSLV3_ALERT_HANDSHAKE_FAILURE", "NO_SHARED_CIPHER":
            return "the server refused the handshake (no TLS version or cipher in common)"
        case let reason?:
            return "the handshake failed (" + reason.lowercased().split(separator: "_").joined(separator: " ") + ")"
        case nil:
            return lowered.contains("handshake") ? "the handshake failed" : "the TLS connection failed"
        }
    }

    /// What an `IOError` of a connect or a request means, by its errno.
    static func kind(of error: IOError) -> String {
        switch error.errnoCode {
        case ECONNREFUSED: "connection refused"
        case ECONNRESET, EPIPE: "connection dropped"
        case ETIMEDOUT: "timed out connecting to the server"
        case ENETUNREACH, EHOSTUNREACH: "no route to the server"
        default: "transport failure"
        }
    }

    /// An `IOError` as strerror(3) and the errno ("Connection refused (errno 111)"); anything else as it describes
    /// itself.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? IOError else { return "\(error)" }
        let code = error.errnoCode
        return "\(strerror(code).map { String(cString: $0) } ?? "error") (errno \(code))"
    }
}
