/// Everything the simulator holds, as `GET /_sim/state` returns it.
///
/// Its account fields have the shape of a ``SimulatorSeed``, so a snapshot can be posted back to `/_sim/seed`.
public struct SimulatorSnapshot: Codable, Hashable, Sendable {
    /// The rate-limit window as it stands.
    public struct RateLimit: Codable, Hashable, Sendable {
        /// Requests allowed per window.
        public var limit: Int
        /// Requests left in the current window.
        public var remaining: Int
        /// End of the current window, ISO 8601 with milliseconds.
        public var reset: String
    }

    public var available: Bool
    public var reason: String?
    public var pools: [SimulatedPool]
    public var destinations: [SimulatedDestination]
    /// Accepted tokens, sorted by token.
    public var tokens: [SimulatedToken]
    /// Active faults, in the order they were injected.
    public var faults: [SimulatedFault]
    public var rateLimit: RateLimit
    /// How many `/api/*` requests were logged.
    public var requestCount: Int
}
