/// The action gates of one route (`pools[].routes[].actions`).
public struct RouteActions: Codable, Hashable, Sendable {
    /// Whether the route can be deleted (`DELETE /api/v2/routed-ipv6/routes/{id}`).
    public var canDelete: ActionGate

    /// Creates the route action gates.
    ///
    /// - Parameter canDelete: The deletion gate.
    public init(canDelete: ActionGate) {
        self.canDelete = canDelete
    }
}
