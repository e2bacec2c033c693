import AsyncHTTPClient

/// A readable one-line summary of an AsyncHTTPClient/NIO error that produced no HTTP answer.
///
/// NOTE: NIO's connection and TLS error types live in modules this target does not import (NIOPosix,
/// NIOSSL); their descriptions are stable enough to classify by ("DNS error: …", "Connection errors: …
/// Connection refused", "handshakeFailed(…)").
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
        let lowered = text.lowercased()
        if lowered.hasPrefix("dns error") {
            summary = "DNS lookup failed: \(text)"
        } else if lowered.contains("connection refused") {
            summary = "connection refused: \(text)"
        } else if lowered.contains("handshake") || lowered.contains("certificate") || lowered.contains("ssl")
            || lowered.contains("tls")
        {
            summary = "TLS failed: \(text)"
        } else if lowered.contains("connection reset") || lowered.contains("eof") || lowered.contains("closed") {
            summary = "connection dropped: \(text)"
        } else {
            summary = "transport failure: \(text)"
        }
    }
}
