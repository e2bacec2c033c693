import FoundationEssentials

/// One routed prefix of the simulated account: an entry of a pool's `routes[]`.
///
/// Stored as the API shows it. The prefix is kept as text so that a seed can plant a malformed or misplaced route
/// to test the client's validation; such a route never blocks allocation (it overlaps nothing).
/// When decoding (`POST /_sim/seed`) only `prefix` and `vpsId` are required: `id` is minted, `prefixLength` is read
/// from `prefix`, `status` defaults to `"active"`, and `nextHop`/`vpsName` are copied from the destination.
public struct SimulatedRoute: Codable, Hashable, Sendable {
    /// The route id, `ripv6rt_01hxa3b4c5d6e7f8g9h0j1k2m4`.
    public var id: String
    /// The routed prefix, `2001:db8:1000:10::/64`.
    public var prefix: String
    /// The prefix length the API reports (48, 56 or 64 for routes it creates).
    public var prefixLength: Int
    /// The VPS the prefix is routed to.
    public var vpsId: String
    /// The VPS name at creation time, or `nil` to copy the destination's when seeded.
    public var vpsName: String?
    /// The next hop at creation time, or `nil` to copy the destination's when seeded.
    public var nextHop: String?
    /// The customer label, or `nil`.
    public var label: String?
    /// `"active"`, or anything else (a route that is not active cannot be deleted through the API).
    public var status: String
    /// ISO 8601 creation time with milliseconds.
    public var allocatedAt: String?
    /// ISO 8601 last-change time with milliseconds.
    public var updatedAt: String?

    /// Creates a route.
    ///
    /// - Parameters:
    ///   - id: The route id; defaults to a fresh `ripv6rt_…` id.
    ///   - prefix: The routed prefix as text.
    ///   - prefixLength: Defaults to the length written in `prefix` (0 when it has none).
    ///   - vpsId: The target VPS.
    ///   - vpsName: The VPS name shown on the route.
    ///   - nextHop: The next hop shown on the route.
    ///   - label: The customer label.
    ///   - status: Defaults to `"active"`.
    ///   - allocatedAt: Defaults to now.
    ///   - updatedAt: Defaults to `allocatedAt`.
    public init(
        id: String? = nil,
        prefix: String,
        prefixLength: Int? = nil,
        vpsId: String,
        vpsName: String? = nil,
        nextHop: String? = nil,
        label: String? = nil,
        status: String = "active",
        allocatedAt: String? = nil,
        updatedAt: String? = nil
    ) {
        self.id = id ?? SimulatorIdentifier.make("ripv6rt_")
        self.prefix = prefix
        self.prefixLength = prefixLength ?? Self.lengthWritten(in: prefix)
        self.vpsId = vpsId
        self.vpsName = vpsName
        self.nextHop = nextHop
        self.label = label
        self.status = status
        let now = allocatedAt ?? SimulatorTimestamp.string(from: Date())
        self.allocatedAt = now
        self.updatedAt = updatedAt ?? now
    }

    private enum CodingKeys: String, CodingKey {
        case id, prefix, prefixLength, vpsId, vpsName, nextHop, label, status, allocatedAt, updatedAt
    }

    /// Decodes a route; `prefix` and `vpsId` are required, the rest default as in the memberwise initialiser.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decodeIfPresent(String.self, forKey: .id),
            prefix: try container.decode(String.self, forKey: .prefix),
            prefixLength: try container.decodeIfPresent(Int.self, forKey: .prefixLength),
            vpsId: try container.decode(String.self, forKey: .vpsId),
            vpsName: try container.decodeIfPresent(String.self, forKey: .vpsName),
            nextHop: try container.decodeIfPresent(String.self, forKey: .nextHop),
            label: try container.decodeIfPresent(String.self, forKey: .label),
            status: try container.decodeIfPresent(String.self, forKey: .status) ?? "active",
            allocatedAt: try container.decodeIfPresent(String.self, forKey: .allocatedAt),
            updatedAt: try container.decodeIfPresent(String.self, forKey: .updatedAt)
        )
    }

    /// Why the API refuses to delete this route, or `nil` when it may.
    var deleteRefusal: String? {
        status == "active" ? nil : "Only active routes can be deleted; this one is \(status)."
    }

    private static func lengthWritten(in prefix: String) -> Int {
        prefix.split(separator: "/").last.flatMap { Int($0) } ?? 0
    }
}
