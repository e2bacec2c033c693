/// The action gates of one pool (`pools[].actions`).
public struct PoolActions: Codable, Hashable, Sendable {
    /// Whether a route can be created in this pool.
    public var canCreateRoute: ActionGate
    /// Whether the pool can be released (`DELETE /api/v2/routed-ipv6/{id}`; only once it has no routes).
    public var canRelease: ActionGate

    /// Creates the pool action gates.
    ///
    /// - Parameters:
    ///   - canCreateRoute: The route-creation gate.
    ///   - canRelease: The release gate.
    public init(canCreateRoute: ActionGate, canRelease: ActionGate) {
        self.canCreateRoute = canCreateRoute
        self.canRelease = canRelease
    }
}
