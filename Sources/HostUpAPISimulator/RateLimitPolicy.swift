/// The simulated API's request budget: `limit` `/api/*` requests per fixed `window`.
///
/// Every `/api/*` answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (ISO 8601,
/// the end of the current window). Past the budget, requests get 429 with `Retry-After` in whole seconds until
/// the window ends.
///
/// `Codable` as `{"limit": 600, "windowSeconds": 60}`, the body of `POST /_sim/rate-limit`.
public struct RateLimitPolicy: Codable, Hashable, Sendable {
    /// Requests allowed per window. Defaults to 600.
    public var limit: Int
    /// The window length. Defaults to 60 seconds.
    public var window: Duration

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - limit: Requests per window; defaults to 600.
    ///   - window: Window length; defaults to 60 seconds.
    public init(limit: Int = 600, window: Duration = .seconds(60)) {
        self.limit = limit
        self.window = window
    }

    private enum CodingKeys: String, CodingKey {
        case limit, windowSeconds
    }

    /// Decodes `{"limit": N, "windowSeconds": S}`; each defaults as in ``init(limit:window:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            limit: try container.decodeIfPresent(Int.self, forKey: .limit) ?? 600,
            window: .seconds(try container.decodeIfPresent(Int.self, forKey: .windowSeconds) ?? 60)
        )
    }

    /// Encodes `{"limit": N, "windowSeconds": S}` (whole seconds).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(limit, forKey: .limit)
        try container.encode(window.components.seconds, forKey: .windowSeconds)
    }
}
