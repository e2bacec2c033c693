import AsyncHTTPClient
import NIOCore

extension HostUpClient {
    /// Where and how to reach the HostUp API.
    ///
    /// Creating a configuration validates the base URL: it must be `https://`, unless its host is loopback
    /// (`127.0.0.0/8`, `::1`, `localhost`), where `http://` is allowed for the simulator and tests.
    ///
    /// - Important: The configuration holds the API token. Its `description`, `debugDescription` and mirror
    ///   (used by `dump`) show `<redacted>` in its place.
    public struct Configuration: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// The API root, e.g. `https://cloud.hostup.se`; endpoint paths (`/api/v2/...`) are appended to it.
        public let baseURL: String
        /// The bearer token sent as `Authorization: Bearer <token>`.
        public let token: String
        /// The `User-Agent` header, `hostup-routed/<version>`.
        public var userAgent: String
        /// How long to wait for a TCP (and TLS) connection. Defaults to 5 seconds.
        ///
        /// Applied by HTTP clients built from ``httpClientConfiguration`` (as ``HostUpClient/withClient(configuration:logger:_:)``
        /// does). `HTTPClient.shared` keeps its own connect timeout; ``requestTimeout`` still bounds every request.
        public var connectTimeout: Duration
        /// The deadline for a whole request: connect, send, and read the complete response. Defaults to 30 seconds.
        public var requestTimeout: Duration
        /// The largest response body accepted, in bytes. Defaults to 4 MiB (4 194 304 bytes).
        public var maximumResponseBytes: Int

        let scheme: String
        let host: String
        let basePath: String

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - baseURL: The API root, e.g. `https://cloud.hostup.se` (a trailing `/` is ignored).
        ///   - token: The API token.
        ///   - version: The agent version, sent as `User-Agent: hostup-routed/<version>`.
        ///   - connectTimeout: The connect timeout. Defaults to 5 seconds.
        ///   - requestTimeout: The whole-request deadline. Defaults to 30 seconds.
        ///   - maximumResponseBytes: The response size limit in bytes. Defaults to 4 MiB.
        /// - Throws: ``HostUpAPIError`` with code ``HostUpAPIError/Code/insecureURL`` when the URL is not `https`
        ///   and its host is not loopback, or when it cannot be parsed.
        public init(
            baseURL: String,
            token: String,
            version: String,
            connectTimeout: Duration = .seconds(5),
            requestTimeout: Duration = .seconds(30),
            maximumResponseBytes: Int = 4 * 1024 * 1024
        ) throws {
            let parsed = try ParsedBaseURL(baseURL)
            self.baseURL = baseURL
            self.token = token
            self.userAgent = "hostup-routed/\(version)"
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.maximumResponseBytes = maximumResponseBytes
            self.scheme = parsed.scheme
            self.host = parsed.host
            self.basePath = parsed.basePath
        }

        /// An AsyncHTTPClient configuration matching this one: ``connectTimeout`` as the connect timeout,
        /// ``requestTimeout`` as the read timeout, no redirects (so the token is never sent elsewhere), no
        /// connection retries (the agent's own backoff decides when to try again), no decompression.
        public var httpClientConfiguration: HTTPClient.Configuration {
            var configuration = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: TimeAmount(connectTimeout), read: TimeAmount(requestTimeout)),
                decompression: .disabled
            )
            configuration.connectionPool.retryConnectionEstablishment = false
            return configuration
        }

        /// The base URL and timeouts; the token is shown as `<redacted>`.
        public var description: String {
            "HostUpClient.Configuration(baseURL: \(baseURL), token: <redacted>, userAgent: \(userAgent), "
                + "connectTimeout: \(connectTimeout), requestTimeout: \(requestTimeout))"
        }

        /// Same as ``description``.
        public var debugDescription: String { description }

        /// A mirror without the token, so `dump(configuration)` cannot print it.
        public var customMirror: Mirror {
            Mirror(
                self,
                children: [
                    "baseURL": baseURL, "token": "<redacted>", "userAgent": userAgent,
                    "connectTimeout": connectTimeout, "requestTimeout": requestTimeout,
                    "maximumResponseBytes": maximumResponseBytes,
                ]
            )
        }

        /// The absolute URL of an endpoint path that starts with `/`.
        func url(path: String) -> String {
            "\(scheme)://\(host)\(basePath)\(path)"
        }
    }
}

/// The parts of a base URL that the client needs, with the HTTPS-unless-loopback rule applied.
struct ParsedBaseURL {
    /// `http` or `https`, lower case.
    var scheme: String
    /// The authority as written (`host`, `host:port`, `[v6]:port`), without user info.
    var host: String
    /// The path prefix without a trailing `/` (usually empty).
    var basePath: String

    init(_ text: String) throws {
        func refuse(_ reason: String) -> HostUpAPIError {
            HostUpAPIError(code: .insecureURL, message: "refusing API URL \(text): \(reason)")
        }
        guard let schemeEnd = text.firstRange(of: "://") else { throw refuse("not an absolute URL") }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var path = String(rest.dropFirst(authority.count))
        guard !path.contains("?"), !path.contains("#") else { throw refuse("a query or fragment is not allowed") }
        guard !authority.isEmpty else { throw refuse("no host") }
        guard !authority.contains("@") else { throw refuse("user info is not allowed; the token goes in token_file") }
        while path.hasSuffix("/") { path.removeLast() }

        let hostname: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw refuse("unterminated IPv6 literal") }
            hostname = authority[authority.index(after: authority.startIndex)..<close]
        } else {
            hostname = authority.prefix { $0 != ":" }
        }
        switch scheme {
        case "https":
            break
        case "http":
            guard Self.isLoopback(host: hostname) else {
                throw refuse("plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost); use https")
            }
        default:
            throw refuse("scheme \(scheme) is not https")
        }
        self.scheme = scheme
        self.host = String(authority)
        self.basePath = path
    }

    /// Whether `host` (without brackets) is `localhost`, `::1`, or an IPv4 address in `127.0.0.0/8`.
    static func isLoopback(host: Substring) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host == "localhost." || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        let values = octets.compactMap { $0.count <= 3 && $0.allSatisfy(\.isASCII) ? UInt8($0) : nil }
        return values.count == 4 && values[0] == 127
    }
}
