/// One `/api/*` request the simulator received: an entry of `GET /_sim/requests`.
///
/// Lets a test assert what a client sent, or that it sent nothing (a refused token must not reach the API, a
/// fail-static agent must not call it in a loop).
public struct RecordedRequest: Codable, Hashable, Sendable {
    /// Position in the log, from 1.
    public var sequence: Int
    /// `GET`, `POST`, `DELETE`.
    public var method: String
    /// The request path without the query, `/api/v2/routed-ipv6`.
    public var path: String
    /// Whether an `Authorization: Bearer` header was present.
    public var hadToken: Bool
    /// Whether that token is one the simulator accepts (scopes aside).
    public var hadValidToken: Bool
    /// The status answered, or `nil` while pending and when the connection was dropped or hung.
    public var status: Int?
    /// When the request arrived, ISO 8601 with milliseconds.
    public var receivedAt: String
}
