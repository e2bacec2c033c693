/// The account's routed IPv6 state: the document `GET /api/v2/routed-ipv6` returns, and the body of the
/// `201` answer of `POST /api/v2/routed-ipv6`.
///
/// The whole account state arrives in one document, with no pagination. Field names mirror the provider's
/// API page exactly. Unknown fields are ignored, so the provider may add fields without breaking decoding.
/// `pools` is required and must be a JSON array: a document without it, or whose `pools` is anything else,
/// fails to decode, and the fetch counts as failed.
public struct RoutedIPv6State: Codable, Hashable, Sendable {
    /// Whether routed IPv6 is available to the account; `nil` when the field is absent.
    public var available: Bool?
    /// Why routed IPv6 is unavailable, or `nil` (JSON `null` or absent).
    public var reason: String?
    /// The child prefix lengths a route may have, e.g. `[48, 56, 64]`.
    public var allowedPrefixLengths: [Int]?
    /// The account's routed pools (at most one /48 today), each with its routes.
    public var pools: [Pool]
    /// The VPSes that may receive a route.
    public var destinations: [Destination]?
    /// Which account-level actions are currently available.
    public var actions: AccountActions?
    /// The routes that did not decode, with their pools' (also those of pools that did not decode as a whole).
    /// Never encoded.
    public var undecodedRoutes: [UndecodedRoute] {
        pools.flatMap(\.undecodedRoutes) + routesOfUndecodedPools
    }
    /// The routes of pools that did not decode, read loosely; one entry without id or `vpsId` when not even the
    /// pool's `routes` could be read.
    public var routesOfUndecodedPools: [UndecodedRoute] = []

    /// Creates a state document.
    ///
    /// - Parameters:
    ///   - available: Whether routed IPv6 is available to the account.
    ///   - reason: Why it is unavailable, or `nil`.
    ///   - allowedPrefixLengths: The allowed child prefix lengths.
    ///   - pools: The account's pools.
    ///   - destinations: The VPSes that may receive a route.
    ///   - actions: Account-level action gates.
    public init(
        available: Bool? = nil,
        reason: String? = nil,
        allowedPrefixLengths: [Int]? = nil,
        pools: [Pool],
        destinations: [Destination]? = nil,
        actions: AccountActions? = nil
    ) {
        self.available = available
        self.reason = reason
        self.allowedPrefixLengths = allowedPrefixLengths
        self.pools = pools
        self.destinations = destinations
        self.actions = actions
    }

    private enum CodingKeys: String, CodingKey {
        case available, reason, allowedPrefixLengths, pools, destinations, actions
    }

    /// Decodes the document, pool by pool and route by route (DESIGN.md "Fail static": one odd route elsewhere
    /// in the account must not stop this VPS's routes). A pool or route that does not decode is left out and
    /// recorded in ``undecodedRoutes``; a destination that does not decode is left out; `available`, `reason`,
    /// `allowedPrefixLengths` and `actions` of another type are read as `nil`.
    ///
    /// - Throws: `DecodingError` when the document is not a JSON object, or `pools` is missing or not an array:
    ///   then nothing of it can be trusted, and the fetch has failed.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        available = (try? container.decodeIfPresent(Bool.self, forKey: .available)) ?? nil
        reason = (try? container.decodeIfPresent(String.self, forKey: .reason)) ?? nil
        allowedPrefixLengths = (try? container.decodeIfPresent([Int].self, forKey: .allowedPrefixLengths)) ?? nil
        actions = (try? container.decodeIfPresent(AccountActions.self, forKey: .actions)) ?? nil
        pools = []
        var elements: any UnkeyedDecodingContainer = try container.nestedUnkeyedContainer(forKey: .pools)
        while !elements.isAtEnd {
            switch try decodeElement(Pool.self, orLoose: LoosePool.self, from: &elements) {
            case .success(let pool):
                pools.append(pool)
            case .failure(let loose):
                let reason = "its pool does not decode (\(loose.reason))"
                guard let routes = loose.value.routes, !routes.isEmpty || loose.value.id != nil else {
                    routesOfUndecodedPools.append(
                        UndecodedRoute(poolID: loose.value.id, index: nil, id: nil, vpsId: nil, reason: reason))
                    continue
                }
                routesOfUndecodedPools += routes.enumerated().map {
                    UndecodedRoute(poolID: loose.value.id, index: $0.offset, id: $0.element.id, vpsId: $0.element.vpsId, reason: reason)
                }
            }
        }
        if container.contains(.destinations), try !container.decodeNil(forKey: .destinations),
            var entries = try? container.nestedUnkeyedContainer(forKey: .destinations) as any UnkeyedDecodingContainer
        {
            var destinations: [Destination] = []
            while !entries.isAtEnd {
                if case .success(let destination) = try decodeElement(
                    Destination.self, orLoose: LooseRoute.self, from: &entries)
                {
                    destinations.append(destination)
                }
            }
            self.destinations = destinations
        } else {
            destinations = nil
        }
    }

    /// Encodes the document; `reason` is written as JSON `null` when `nil`, as the provider does.
    ///
    /// - Parameter encoder: The encoder to write to.
    /// - Throws: Whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(available, forKey: .available)
        try container.encode(reason, forKey: .reason)
        try container.encodeIfPresent(allowedPrefixLengths, forKey: .allowedPrefixLengths)
        try container.encode(pools, forKey: .pools)
        try container.encodeIfPresent(destinations, forKey: .destinations)
        try container.encodeIfPresent(actions, forKey: .actions)
    }
}
