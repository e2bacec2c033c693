/// A whole account to load into the simulator: the body of `POST /_sim/seed`.
///
/// Seeding replaces pools, routes and destinations (and `available`/`reason`). `tokens`, when present, replaces
/// the accepted tokens; when absent the current tokens stay, so a test can reseed without re-sending them.
/// Faults, the request log and the rate-limit window are not touched.
///
/// ```json
/// {"pools": [{"parentCidr": "2001:db8:1000::/48",
///             "routes": [{"prefix": "2001:db8:1000:10::/64", "vpsId": "vps_1"}]}],
///  "destinations": [{"vpsId": "vps_1", "name": "web-01", "primaryIp": "192.0.2.10", "nextHop": "2001:db8::10"}],
///  "tokens": [{"token": "sim-token", "scopes": ["read:network", "read:vm", "write:network"]}]}
/// ```
public struct SimulatorSeed: Codable, Hashable, Sendable {
    /// The document's `available`. Defaults to `true`; when `false`, no pool can be allocated.
    public var available: Bool
    /// The document's `reason` (why routed IPv6 is unavailable). Defaults to `nil`.
    public var reason: String?
    /// The account's pools with their routes. Defaults to none.
    public var pools: [SimulatedPool]
    /// The account's VPSes. Defaults to none.
    public var destinations: [SimulatedDestination]
    /// The accepted tokens; `nil` keeps the current ones. Defaults to `nil`.
    public var tokens: [SimulatedToken]?

    /// Creates a seed.
    ///
    /// - Parameters:
    ///   - available: Whether routed IPv6 is offered; defaults to `true`.
    ///   - reason: Why it is not; defaults to `nil`.
    ///   - pools: Defaults to none.
    ///   - destinations: Defaults to none.
    ///   - tokens: Defaults to `nil` (keep the current tokens).
    public init(
        available: Bool = true,
        reason: String? = nil,
        pools: [SimulatedPool] = [],
        destinations: [SimulatedDestination] = [],
        tokens: [SimulatedToken]? = nil
    ) {
        self.available = available
        self.reason = reason
        self.pools = pools
        self.destinations = destinations
        self.tokens = tokens
    }

    private enum CodingKeys: String, CodingKey {
        case available, reason, pools, destinations, tokens
    }

    /// Decodes a seed; every field is optional.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            available: try container.decodeIfPresent(Bool.self, forKey: .available) ?? true,
            reason: try container.decodeIfPresent(String.self, forKey: .reason),
            pools: try container.decodeIfPresent([SimulatedPool].self, forKey: .pools) ?? [],
            destinations: try container.decodeIfPresent([SimulatedDestination].self, forKey: .destinations) ?? [],
            tokens: try container.decodeIfPresent([SimulatedToken].self, forKey: .tokens)
        )
    }
}
