import HTTPTypes

extension HTTPField.Name {
    /// `X-RateLimit-Limit`: requests allowed per window.
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    /// `X-RateLimit-Remaining`: requests left in the window.
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    /// `X-RateLimit-Reset`: the end of the window, ISO 8601.
    static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
    /// `X-Request-Id`: the `req_…` id, as in problem documents.
    static let requestID = HTTPField.Name("X-Request-Id")!
}
