import IPv6Addressing
import Logging

extension APISimulator {
    /// Where the simulator listens and the account it starts with.
    public struct Configuration: Sendable {
        /// `2001:db8:1000::/36` (RFC 3849 documentation space): its /48s are `2001:db8:1000::/48`,
        /// `2001:db8:1001::/48`, ...
        public static let defaultPoolSupply = try! IPv6Prefix("2001:db8:1000::/36")

        /// The address to bind. Defaults to `"127.0.0.1"`.
        public var host: String
        /// The TCP port; 0 (the default) picks a free one, reported to `run(onListening:)`.
        public var port: Int
        /// Accepted bearer tokens and their scopes. Defaults to `["sim-token": SimulatedToken.allScopes]`.
        public var tokens: [String: Set<String>]
        /// The account's VPSes at start. Defaults to none.
        public var destinations: [SimulatedDestination]
        /// Pools that exist at start (with their routes). Defaults to none.
        public var pools: [SimulatedPool]
        /// The parent whose /48 children `allocate_pool` hands out in order. Defaults to `2001:db8:1000::/36`,
        /// so the first pool is `2001:db8:1000::/48`, the next `2001:db8:1001::/48`.
        public var poolSupply: IPv6Prefix
        /// The `/api/*` request budget. Defaults to 600 requests a minute.
        public var rateLimit: RateLimitPolicy
        /// Receives one info line per request and the server's own messages. Defaults to a logger labelled
        /// `hostup-api-sim`.
        public var logger: Logger

        /// Creates a configuration; every parameter has the default its property documents.
        public init(
            host: String = "127.0.0.1",
            port: Int = 0,
            tokens: [String: Set<String>] = ["sim-token": SimulatedToken.allScopes],
            destinations: [SimulatedDestination] = [],
            pools: [SimulatedPool] = [],
            poolSupply: IPv6Prefix = Configuration.defaultPoolSupply,
            rateLimit: RateLimitPolicy = RateLimitPolicy(),
            logger: Logger = Logger(label: "hostup-api-sim")
        ) {
            self.host = host
            self.port = port
            self.tokens = tokens
            self.destinations = destinations
            self.pools = pools
            self.poolSupply = poolSupply
            self.rateLimit = rateLimit
            self.logger = logger
        }
    }
}
