/// The action gates of one destination VPS (`destinations[].actions`).
public struct DestinationActions: Codable, Hashable, Sendable {
    /// Whether a route can be pointed at this VPS.
    public var canReceiveRoute: ActionGate

    /// Creates the destination action gates.
    ///
    /// - Parameter canReceiveRoute: The receive-route gate.
    public init(canReceiveRoute: ActionGate) {
        self.canReceiveRoute = canReceiveRoute
    }
}
