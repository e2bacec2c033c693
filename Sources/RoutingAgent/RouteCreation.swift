import HostUpAPI

/// `routes create`'s use case, between the account's state and the `create_route` request: the destination (this
/// VPS unless `--vps-id` names another), the pool and every field checked locally, so that a bad request is refused
/// before anything is sent; and, from the answer, the route that was created. The command line fetches, sends,
/// prints and asks the daemon to apply it (``DaemonApply``).
public struct RouteCreation: Sendable, Equatable {
    /// `--prefix-length`: 48, 56 or 64.
    public var prefixLength: Int
    /// `--prefix`: an explicit child prefix, or `nil` to let the server pick the first free one.
    public var prefix: String?
    /// `--label`.
    public var label: String?
    /// `--vps-id`: the destination, or `nil` for this VPS.
    public var vpsID: String?
    /// `--pool-id`: the pool, or `nil` for the account's only pool.
    public var poolID: String?

    public init(prefixLength: Int, prefix: String? = nil, label: String? = nil, vpsID: String? = nil, poolID: String? = nil) {
        self.prefixLength = prefixLength
        self.prefix = prefix
        self.label = label
        self.vpsID = vpsID
        self.poolID = poolID
    }

    /// A request that passed the local checks.
    public struct Checked: Sendable, Equatable {
        /// What to send (`POST /api/v2/routed-ipv6`, `create_route`).
        public var request: CreateRouteRequest
        /// This VPS's id, when it could be told; the daemon applies the route here when it is the destination.
        public var thisVPS: String?
        /// What a `409 Conflict` answer means for this request, the API sending no body with it.
        public var conflictMeaning: String

        /// Whether the route goes to this VPS.
        public var isForThisVPS: Bool { request.vpsId == thisVPS }
    }

    /// Checks the request against `state`; nothing is sent.
    ///
    /// - Parameters:
    ///   - state: The account's state, just fetched.
    ///   - configuredVPS: The config's `vps_id`.
    ///   - local: This host's addresses, which identify this VPS among `destinations[]`.
    /// - Throws: ``IdentityResolver/Failure`` (naming the candidates) when no `--vps-id` is given and this VPS cannot
    ///   be identified; ``RouteRequestCheck/Refusal`` naming the field that is wrong.
    public func check(
        in state: RoutedIPv6State, configuredVPS: String?, local: IdentityResolver.LocalAddresses
    ) throws -> Checked {
        let (destination, thisVPS) = try RouteRequestCheck.destination(
            explicit: vpsID, configured: configuredVPS, state: state, local: local)
        let request = try RouteRequestCheck.request(
            in: state, vpsID: destination, poolID: poolID, prefixLength: prefixLength, prefix: prefix, label: label)
        let conflict =
            prefix.map { "409: \($0) overlaps a route that already exists (routes list shows them)" }
            ?? "409: no free /\(prefixLength) is left in pool \(request.poolId)"
        return Checked(request: request, thisVPS: thisVPS, conflictMeaning: conflict)
    }

    /// The route `after` (the answer to `create_route`) lists and `before` did not; `nil` when there is none.
    public static func createdRoute(before: RoutedIPv6State, after: RoutedIPv6State) -> Route? {
        let known = Set(before.pools.flatMap(\.routes).map(\.id))
        return after.pools.flatMap(\.routes).first { !known.contains($0.id) }
    }
}
