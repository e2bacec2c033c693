/// A request the simulated API refuses: an HTTP status, and the problem document to send, if any.
///
/// Thrown by the account logic and by request validation; the HTTP layer renders it as an RFC 7807
/// `application/problem+json` body, or as an empty body where the seed page says "No response body" (409).
struct APIFailure: Error, Hashable, Sendable {
    var status: Int
    /// Stable machine-readable code, also the last path component of the problem `type`. `nil` = no body.
    var code: String?
    var title: String
    var detail: String
    var errors: [FieldIssue] = []

    /// 400 `invalid_request` listing every bad field.
    static func invalidRequest(_ errors: [FieldIssue]) -> APIFailure {
        APIFailure(
            status: 400,
            code: "invalid_request",
            title: "Validation failed",
            detail: "The request body failed validation.",
            errors: errors
        )
    }

    /// 404 `not_found`: the resource does not exist or is not the caller's.
    static func notFound(_ detail: String) -> APIFailure {
        APIFailure(status: 404, code: "not_found", title: "Not found", detail: detail)
    }

    /// 409 with a problem body: the action is not allowed now (the gate's reason is the detail).
    static func conflict(_ detail: String) -> APIFailure {
        APIFailure(status: 409, code: "conflict", title: "Conflict", detail: detail)
    }

    /// 409 with no body, as the seed page specifies for `POST /api/v2/routed-ipv6`: the account already has a /48,
    /// the requested prefix overlaps an existing route, or no capacity remains.
    static func conflictWithoutBody(_ reason: String) -> APIFailure {
        APIFailure(status: 409, code: nil, title: "Conflict", detail: reason)
    }

    /// 500 `internal_error`.
    static func internalError(_ detail: String) -> APIFailure {
        APIFailure(status: 500, code: "internal_error", title: "Internal error", detail: detail)
    }

    /// 401 `unauthorized`: no bearer token, or one the API does not know.
    static func unauthorized(_ detail: String) -> APIFailure {
        APIFailure(status: 401, code: "unauthorized", title: "Unauthorized", detail: detail)
    }

    /// 403 `forbidden`: the token lacks a scope the endpoint needs.
    static func forbidden(_ detail: String) -> APIFailure {
        APIFailure(status: 403, code: "forbidden", title: "Forbidden", detail: detail)
    }

    /// 429 `rate_limited`; the caller adds `Retry-After`.
    static func rateLimited(retryAfterSeconds: Int) -> APIFailure {
        APIFailure(
            status: 429,
            code: "rate_limited",
            title: "Too many requests",
            detail: "The rate limit is exhausted. Retry after \(retryAfterSeconds) seconds."
        )
    }
}
