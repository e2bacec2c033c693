/// One routed IPv6 pool: the account-level /48 (`pools[]` in the state document).
///
/// The `stringnull` fields (`allocatedAt`, `updatedAt`) decode JSON `null` and a missing key alike as `nil`,
/// and are encoded as JSON `null` when `nil`. Timestamps stay strings (ISO 8601, e.g.
/// `2026-06-15T12:00:00.000Z`); nothing in the agent computes with them.
public struct Pool: Codable, Hashable, Sendable {
    /// The pool id, e.g. `ripv6_01hxa3b4c5d6e7f8g9h0j1k2m3`; `poolId` in a `create_route` request.
    public var id: String
    /// The pool's prefix in text form, e.g. `2001:db8:1000::/48`. Validated by the agent, not here.
    public var parentCidr: String
    /// The pool's prefix length (48 today).
    public var prefixLength: Int
    /// The pool's status (`active`; unknown values are kept).
    public var status: PoolStatus
    /// When the pool was allocated, or `nil`.
    public var allocatedAt: String?
    /// When the pool last changed, or `nil`.
    public var updatedAt: String?
    /// The routes carved out of this pool.
    public var routes: [Route]
    /// Which pool actions are currently available.
    public var actions: PoolActions?
    /// The routes of this pool that did not decode; they are not in ``routes``. Never encoded.
    public var undecodedRoutes: [UndecodedRoute] = []

    /// Creates a pool.
    ///
    /// - Parameters:
    ///   - id: The pool id.
    ///   - parentCidr: The pool prefix, e.g. `2001:db8:1000::/48`.
    ///   - prefixLength: The pool prefix length.
    ///   - status: The pool status.
    ///   - allocatedAt: Allocation time (ISO 8601), or `nil`.
    ///   - updatedAt: Last change time (ISO 8601), or `nil`.
    ///   - routes: The pool's routes.
    ///   - actions: Pool action gates.
    public init(
        id: String,
        parentCidr: String,
        prefixLength: Int,
        status: PoolStatus,
        allocatedAt: String? = nil,
        updatedAt: String? = nil,
        routes: [Route] = [],
        actions: PoolActions? = nil
    ) {
        self.id = id
        self.parentCidr = parentCidr
        self.prefixLength = prefixLength
        self.status = status
        self.allocatedAt = allocatedAt
        self.updatedAt = updatedAt
        self.routes = routes
        self.actions = actions
    }

    private enum CodingKeys: String, CodingKey {
        case id, parentCidr, prefixLength, status, allocatedAt, updatedAt, routes, actions
    }

    /// Decodes a pool, route by route: a route that does not decode goes to ``undecodedRoutes`` instead of failing
    /// the pool. `allocatedAt`, `updatedAt` and `actions` of another type are read as `nil`; a missing `routes`
    /// is an empty list.
    ///
    /// - Throws: `DecodingError` when `id`, `parentCidr`, `prefixLength` or `status` is missing or of another type,
    ///   or `routes` is not an array.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        parentCidr = try container.decode(String.self, forKey: .parentCidr)
        prefixLength = try container.decode(Int.self, forKey: .prefixLength)
        status = try container.decode(PoolStatus.self, forKey: .status)
        allocatedAt = (try? container.decodeIfPresent(String.self, forKey: .allocatedAt)) ?? nil
        updatedAt = (try? container.decodeIfPresent(String.self, forKey: .updatedAt)) ?? nil
        actions = (try? container.decodeIfPresent(PoolActions.self, forKey: .actions)) ?? nil
        routes = []
        guard container.contains(.routes), try !container.decodeNil(forKey: .routes) else { return }
        var elements: any UnkeyedDecodingContainer = try container.nestedUnkeyedContainer(forKey: .routes)
        while !elements.isAtEnd {
            let index = elements.currentIndex
            switch try decodeElement(Route.self, orLoose: LooseRoute.self, from: &elements) {
            case .success(let route):
                routes.append(route)
            case .failure(let loose):
                undecodedRoutes.append(
                    UndecodedRoute(
                        poolID: id, index: index, id: loose.value.id, vpsId: loose.value.vpsId, reason: loose.reason))
            }
        }
    }

    /// Encodes the pool, writing `nil` timestamps as JSON `null`.
    ///
    /// - Parameter encoder: The encoder to write to.
    /// - Throws: Whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(parentCidr, forKey: .parentCidr)
        try container.encode(prefixLength, forKey: .prefixLength)
        try container.encode(status, forKey: .status)
        try container.encode(allocatedAt, forKey: .allocatedAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(routes, forKey: .routes)
        try container.encodeIfPresent(actions, forKey: .actions)
    }
}
