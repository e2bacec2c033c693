/// One routed prefix: a /48, /56 or /64 of a pool routed to a VPS (`pools[].routes[]`).
///
/// Qualify it as `HostUpAPI.Route` where the Netlink module's `Route` is also visible.
/// The `stringnull` fields (`label`, `allocatedAt`, `updatedAt`, and `nextHop`, tolerated as null) decode
/// JSON `null` and a missing key alike as `nil`, and are encoded as JSON `null` when `nil`.
public struct Route: Codable, Hashable, Sendable {
    /// The route id, e.g. `ripv6rt_01hxa3b4c5d6e7f8g9h0j1k2m4`; used by `DELETE /api/v2/routed-ipv6/routes/{id}`.
    public var id: String
    /// The routed prefix in text form, e.g. `2001:db8:1000:10::/64`. Validated by the agent, not here.
    public var prefix: String
    /// The routed prefix length: 48, 56 or 64.
    public var prefixLength: Int
    /// The VPS address the provider routes the prefix to, e.g. `2001:db8::10`.
    public var nextHop: String?
    /// The customer's label, or `nil`.
    public var label: String?
    /// The VPS the prefix is routed to, e.g. `vps_01hxa3b4c5d6e7f8g9h0j1k2m5`.
    public var vpsId: String
    /// The VPS name, e.g. `web-01`.
    public var vpsName: String?
    /// The route status (`active`; unknown values are kept). Only active routes are applied.
    public var status: RouteStatus
    /// When the route was created, or `nil`.
    public var allocatedAt: String?
    /// When the route last changed, or `nil`.
    public var updatedAt: String?
    /// Which route actions are currently available.
    public var actions: RouteActions?

    /// Creates a route.
    ///
    /// - Parameters:
    ///   - id: The route id.
    ///   - prefix: The routed prefix, e.g. `2001:db8:1000:10::/64`.
    ///   - prefixLength: The prefix length.
    ///   - nextHop: The VPS address the prefix is routed to.
    ///   - label: The customer label, or `nil`.
    ///   - vpsId: The destination VPS id.
    ///   - vpsName: The destination VPS name.
    ///   - status: The route status.
    ///   - allocatedAt: Creation time (ISO 8601), or `nil`.
    ///   - updatedAt: Last change time (ISO 8601), or `nil`.
    ///   - actions: Route action gates.
    public init(
        id: String,
        prefix: String,
        prefixLength: Int,
        nextHop: String? = nil,
        label: String? = nil,
        vpsId: String,
        vpsName: String? = nil,
        status: RouteStatus,
        allocatedAt: String? = nil,
        updatedAt: String? = nil,
        actions: RouteActions? = nil
    ) {
        self.id = id
        self.prefix = prefix
        self.prefixLength = prefixLength
        self.nextHop = nextHop
        self.label = label
        self.vpsId = vpsId
        self.vpsName = vpsName
        self.status = status
        self.allocatedAt = allocatedAt
        self.updatedAt = updatedAt
        self.actions = actions
    }

    private enum CodingKeys: String, CodingKey {
        case id, prefix, prefixLength, nextHop, label, vpsId, vpsName, status, allocatedAt, updatedAt, actions
    }

    /// Decodes a route. The fields the agent acts on (`id`, `prefix`, `prefixLength`, `vpsId`, `status`, `nextHop`,
    /// `label`) must have their documented types; the descriptive ones (`vpsName`, `allocatedAt`, `updatedAt`,
    /// `actions`) are read as `nil` when they have another.
    ///
    /// - Throws: `DecodingError` when a field the agent acts on is missing or of another type.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        prefix = try container.decode(String.self, forKey: .prefix)
        prefixLength = try container.decode(Int.self, forKey: .prefixLength)
        nextHop = try container.decodeIfPresent(String.self, forKey: .nextHop)
        label = try container.decodeIfPresent(String.self, forKey: .label)
        vpsId = try container.decode(String.self, forKey: .vpsId)
        status = try container.decode(RouteStatus.self, forKey: .status)
        vpsName = (try? container.decodeIfPresent(String.self, forKey: .vpsName)) ?? nil
        allocatedAt = (try? container.decodeIfPresent(String.self, forKey: .allocatedAt)) ?? nil
        updatedAt = (try? container.decodeIfPresent(String.self, forKey: .updatedAt)) ?? nil
        actions = (try? container.decodeIfPresent(RouteActions.self, forKey: .actions)) ?? nil
    }

    /// Encodes the route, writing `nil` `stringnull` fields as JSON `null`.
    ///
    /// - Parameter encoder: The encoder to write to.
    /// - Throws: Whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(prefix, forKey: .prefix)
        try container.encode(prefixLength, forKey: .prefixLength)
        try container.encode(nextHop, forKey: .nextHop)
        try container.encode(label, forKey: .label)
        try container.encode(vpsId, forKey: .vpsId)
        try container.encodeIfPresent(vpsName, forKey: .vpsName)
        try container.encode(status, forKey: .status)
        try container.encode(allocatedAt, forKey: .allocatedAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encodeIfPresent(actions, forKey: .actions)
    }
}
