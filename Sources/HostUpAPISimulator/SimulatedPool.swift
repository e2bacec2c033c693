import FoundationEssentials
import IPv6Addressing

/// One routed /48 of the simulated account: an entry of the state document's `pools[]`, with its routes.
///
/// When decoding (`POST /_sim/seed`) only `parentCidr` is required: `id` is minted, `status` defaults to
/// `"active"`, timestamps to now and `routes` to none.
public struct SimulatedPool: Codable, Hashable, Sendable {
    /// The pool id, `ripv6_01hxa3b4c5d6e7f8g9h0j1k2m3`.
    public var id: String
    /// The pool's prefix, `2001:db8:1000::/48`.
    public var parentCidr: String
    /// `"active"` for every pool the simulator creates.
    public var status: String
    /// ISO 8601 allocation time with milliseconds.
    public var allocatedAt: String?
    /// ISO 8601 last-change time with milliseconds (a route added or removed).
    public var updatedAt: String?
    /// The routes carved from this pool, in creation order.
    public var routes: [SimulatedRoute]

    /// Creates a pool.
    ///
    /// - Parameters:
    ///   - id: The pool id; defaults to a fresh `ripv6_…` id.
    ///   - parentCidr: The pool prefix as text, normally a /48.
    ///   - status: Defaults to `"active"`.
    ///   - allocatedAt: Defaults to now.
    ///   - updatedAt: Defaults to `allocatedAt`.
    ///   - routes: Defaults to none.
    public init(
        id: String? = nil,
        parentCidr: String,
        status: String = "active",
        allocatedAt: String? = nil,
        updatedAt: String? = nil,
        routes: [SimulatedRoute] = []
    ) {
        self.id = id ?? SimulatorIdentifier.make("ripv6_")
        self.parentCidr = parentCidr
        self.status = status
        let now = allocatedAt ?? SimulatorTimestamp.string(from: Date())
        self.allocatedAt = now
        self.updatedAt = updatedAt ?? now
        self.routes = routes
    }

    private enum CodingKeys: String, CodingKey {
        case id, parentCidr, status, allocatedAt, updatedAt, routes
    }

    /// Decodes a pool; only `parentCidr` is required.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decodeIfPresent(String.self, forKey: .id),
            parentCidr: try container.decode(String.self, forKey: .parentCidr),
            status: try container.decodeIfPresent(String.self, forKey: .status) ?? "active",
            allocatedAt: try container.decodeIfPresent(String.self, forKey: .allocatedAt),
            updatedAt: try container.decodeIfPresent(String.self, forKey: .updatedAt),
            routes: try container.decodeIfPresent([SimulatedRoute].self, forKey: .routes) ?? []
        )
    }

    /// The parsed pool prefix, or `nil` when a seed planted text that is not a prefix.
    var prefix: IPv6Prefix? {
        try? IPv6Prefix(parentCidr)
    }

    /// The prefixes of the routes that parse; unparsable seeded routes block nothing.
    var routedPrefixes: [IPv6Prefix] {
        routes.compactMap { try? IPv6Prefix($0.prefix) }
    }
}
