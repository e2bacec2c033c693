/// An error from the HostUp API client.
///
/// Branch on ``code``; ``description`` is a readable explanation fit for a log line or the command line.
/// The bearer token never appears in any member of this error: messages are built from the method, the
/// URL path, the status and the server's problem document only.
///
/// Kinds of failure, and where each comes from:
/// - ``Code/transport``: no HTTP answer (connection refused, DNS, TLS, timeout, dropped connection); the
///   underlying AsyncHTTPClient/NIO error is in ``cause``.
/// - ``Code/unauthorized``, ``Code/forbidden``, ``Code/notFound``, ``Code/conflict``, ``Code/rateLimited``,
///   ``Code/httpStatus``: the server answered a non-2xx status (``status``), with ``problem`` when the body
///   was an RFC 7807 problem document.
/// - ``Code/decoding``: a 2xx answer whose body did not decode; the `DecodingError` is in ``cause`` and its
///   coding path is named in ``message``.
/// - ``Code/insecureURL``: the base URL is not HTTPS and the host is not loopback.
public struct HostUpAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is: a stable, bounded value fit for a metric label or a journal field.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case transport, httpStatus, decoding, insecureURL, rateLimited, unauthorized, forbidden, conflict, notFound
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// No HTTP answer: connection refused, DNS failure, TLS failure, timeout, or a dropped connection.
        public static let transport = Code(.transport)
        /// A non-2xx status not covered by a more specific code (400, 5xx, …).
        public static let httpStatus = Code(.httpStatus)
        /// A 2xx answer whose body is not the expected JSON document.
        public static let decoding = Code(.decoding)
        /// The base URL is plain HTTP (or not HTTP at all) and its host is not loopback.
        public static let insecureURL = Code(.insecureURL)
        /// `429 Too Many Requests`: wait at least ``HostUpAPIError/retryAfter``.
        public static let rateLimited = Code(.rateLimited)
        /// `401 Unauthorized`: the token is missing, wrong, or revoked.
        public static let unauthorized = Code(.unauthorized)
        /// `403 Forbidden`: the token lacks a scope, or the resource is not the caller's.
        public static let forbidden = Code(.forbidden)
        /// `409 Conflict`: the account already has a /48, the prefix overlaps, or no capacity remains.
        public static let conflict = Code(.conflict)
        /// `404 Not Found`: the resource does not exist or is not the caller's.
        public static let notFound = Code(.notFound)

        /// A short stable name, e.g. `rateLimited`.
        public var description: String {
            switch value {
            case .transport: "transport"
            case .httpStatus: "httpStatus"
            case .decoding: "decoding"
            case .insecureURL: "insecureURL"
            case .rateLimited: "rateLimited"
            case .unauthorized: "unauthorized"
            case .forbidden: "forbidden"
            case .conflict: "conflict"
            case .notFound: "notFound"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The HTTP status, when the server answered.
    public var status: Int?
    /// The server's RFC 7807 problem document, when the error body decoded as one.
    public var problem: ProblemDocument?
    /// For ``Code/rateLimited``: the `Retry-After` header (delay in seconds, RFC 9110 §10.2.3), if present.
    public var retryAfter: Duration?
    /// For ``Code/rateLimited``: the `X-RateLimit-Reset` header verbatim (an ISO 8601 time), if present.
    public var rateLimitReset: String?
    /// A readable explanation of what failed, naming the request (method and path) where there is one.
    public var message: String
    /// The underlying error: the AsyncHTTPClient/NIO error for ``Code/transport``, the `DecodingError` for
    /// ``Code/decoding``.
    public var cause: (any Error)?
    /// Where the error was created (`#fileID:#line`).
    public var location: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: The explanation.
    ///   - status: The HTTP status, if any.
    ///   - problem: The problem document, if any.
    ///   - retryAfter: The `Retry-After` delay, if any.
    ///   - rateLimitReset: The `X-RateLimit-Reset` value, if any.
    ///   - cause: The underlying error, if any.
    ///   - file: Source location (defaults to the caller's).
    ///   - line: Source line (defaults to the caller's).
    public init(
        code: Code,
        message: String,
        status: Int? = nil,
        problem: ProblemDocument? = nil,
        retryAfter: Duration? = nil,
        rateLimitReset: String? = nil,
        cause: (any Error)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.status = status
        self.problem = problem
        self.retryAfter = retryAfter
        self.rateLimitReset = rateLimitReset
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    /// Compares ``code`` only, as swift-service-lifecycle's `ServiceGroupError` does.
    ///
    /// - Parameters:
    ///   - lhs: An error.
    ///   - rhs: Another error.
    /// - Returns: Whether both have the same code.
    public static func == (lhs: HostUpAPIError, rhs: HostUpAPIError) -> Bool {
        lhs.code == rhs.code
    }

    /// The error for a person, on one line: ``message`` with the problem document's detail (else title) in
    /// parentheses when the message does not hold it already; no ``Code`` name (`httpStatus`), no line breaks.
    public var sentence: String {
        var text = message
        if let detail = problem?.detail ?? problem?.title, !text.contains(detail) {
            text += " (\(detail))"
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// `code: message`, then the problem document indented, then retry hints (unless the message gives them);
    /// several lines when there is a problem document.
    public var description: String {
        var lines = ["\(code): \(message)"]
        if let problem {
            lines.append(contentsOf: problem.description.split(separator: "\n").map { "  " + $0 })
        }
        if let retryAfter, !message.contains("retry after") {
            lines.append("  retry after: \(retryAfter.components.seconds) s")
        }
        if let rateLimitReset {
            lines.append("  rate limit resets at: \(rateLimitReset)")
        }
        return lines.joined(separator: "\n")
    }
}
