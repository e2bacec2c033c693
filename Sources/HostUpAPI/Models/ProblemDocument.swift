/// An RFC 7807 Problem Details document: the body of every non-2xx answer of the HostUp API (except `409`
/// on `POST /api/v2/routed-ipv6`, which has none).
///
/// Every member is optional so that a partial document still decodes; unknown members, including the
/// free-form `extensions` object, are ignored. Branch on ``code``, never on ``detail``.
/// ``description`` renders the document over several lines for logs and the command line.
public struct ProblemDocument: Codable, Hashable, Sendable, Error, CustomStringConvertible {
    /// A URI naming the problem type, e.g. `https://developer.hostup.se/errors/invalid_request` (RFC 7807 §3.1).
    public var type: String?
    /// A short summary of the problem type, e.g. `Validation failed`.
    public var title: String?
    /// The HTTP status code, e.g. `400`.
    public var status: Int?
    /// An explanation of this occurrence, e.g. `The request body failed validation.`
    public var detail: String?
    /// The stable machine-readable code, e.g. `invalid_request`.
    public var code: String?
    /// The request path this problem is about, e.g. `/api/v2/routed-ipv6`.
    public var instance: String?
    /// The provider's request id, e.g. `req_01hxa3b4c5d6e7f8g9h0j1k2m3`; quote it to support.
    public var requestId: String?
    /// When the problem occurred (ISO 8601).
    public var timestamp: String?
    /// Field-level validation errors.
    public var errors: [FieldError]?

    /// Creates a problem document.
    ///
    /// - Parameters:
    ///   - type: The problem type URI.
    ///   - title: The short summary.
    ///   - status: The HTTP status code.
    ///   - detail: The explanation.
    ///   - code: The machine-readable code.
    ///   - instance: The request path.
    ///   - requestId: The provider's request id.
    ///   - timestamp: When it happened (ISO 8601).
    ///   - errors: Field-level errors.
    public init(
        type: String? = nil,
        title: String? = nil,
        status: Int? = nil,
        detail: String? = nil,
        code: String? = nil,
        instance: String? = nil,
        requestId: String? = nil,
        timestamp: String? = nil,
        errors: [FieldError]? = nil
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.code = code
        self.instance = instance
        self.requestId = requestId
        self.timestamp = timestamp
        self.errors = errors
    }

    /// The document over several lines: title, status and code first, then the detail, each field error as
    /// `pointer: detail (code)`, and the request id.
    ///
    /// ```
    /// Validation failed (status 400, code invalid_request)
    ///   The request body failed validation.
    ///   /prefixLength: `prefixLength` is required for `create_route`. (missing_required)
    ///   request id: req_01hxa3b4c5d6e7f8g9h0j1k2m3
    /// ```
    public var description: String {
        var head = title ?? "Problem"
        var qualifiers: [String] = []
        if let status { qualifiers.append("status \(status)") }
        if let code { qualifiers.append("code \(code)") }
        if !qualifiers.isEmpty { head += " (" + qualifiers.joined(separator: ", ") + ")" }
        var lines = [head]
        if let detail { lines.append("  " + detail) }
        for error in errors ?? [] { lines.append("  " + error.description) }
        if let requestId { lines.append("  request id: " + requestId) }
        return lines.joined(separator: "\n")
    }
}
