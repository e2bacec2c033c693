import FoundationEssentials
import HostUpAPI
import IPv6Addressing

/// The simulator's whole mutable state: the account, tokens, faults, the rate-limit window and the request log.
///
/// One actor serialises every request, so the API's transitions are atomic. In-process tests reach it as
/// ``APISimulator/state`` to seed and inspect the account directly instead of through `/_sim/*`.
public actor SimulatorState {
    private var account: RoutedIPv6Account
    private var tokens: [String: Set<String>]
    private var faults: [SimulatedFault] = []
    private var faultClearings = 0
    private var log: [RecordedRequest] = []
    private var rateWindow: RateLimitWindow
    /// Whether `GET /api/v2/routed-ipv6` sends an `ETag` and answers a matching `If-None-Match` with 304.
    public private(set) var sendsEntityTags = true

    /// Creates the state a configuration describes.
    ///
    /// - Parameter configuration: Tokens, destinations, pools, pool supply and rate budget to start with.
    public init(configuration: APISimulator.Configuration) {
        self.account = RoutedIPv6Account(
            seed: SimulatorSeed(pools: configuration.pools, destinations: configuration.destinations),
            supply: PoolSupply(parent: configuration.poolSupply)
        )
        self.tokens = configuration.tokens
        self.rateWindow = RateLimitWindow(policy: configuration.rateLimit, now: Date())
    }

    // MARK: Control (the `/_sim/*` endpoints)

    /// Replaces the account (and the tokens, when the seed has some). Equivalent to `POST /_sim/seed`.
    public func seed(_ seed: SimulatorSeed) {
        account.load(seed)
        if let seededTokens = seed.tokens {
            tokens = Dictionary(seededTokens.map { ($0.token, $0.scopes) }, uniquingKeysWith: { _, last in last })
        }
    }

    /// Adds a VPS, replacing one with the same `vpsId`. Equivalent to `POST /_sim/destinations`.
    public func addDestination(_ destination: SimulatedDestination) {
        account.addDestination(destination)
    }

    /// Accepts a token with the given scopes, replacing its previous scopes. Equivalent to `POST /_sim/tokens`.
    public func setToken(_ token: SimulatedToken) {
        tokens[token.token] = token.scopes
    }

    /// Removes a route behind the API's back, whatever its gate says. Equivalent to `DELETE /_sim/routes/{id}`.
    ///
    /// - Returns: Whether the route existed.
    @discardableResult
    public func removeRoute(id: String) -> Bool {
        account.removeRoute(id: id)
    }

    /// Activates a fault for the following `/api/*` requests. Equivalent to `POST /_sim/fault`.
    public func injectFault(_ fault: SimulatedFault) {
        faults.append(fault)
    }

    /// Deactivates every fault and releases hanging requests. Equivalent to `DELETE /_sim/fault`.
    public func clearFaults() {
        faults.removeAll()
        faultClearings += 1
    }

    /// Replaces the request budget and starts a fresh window.
    public func setRateLimit(_ policy: RateLimitPolicy) {
        rateWindow = RateLimitWindow(policy: policy, now: Date())
    }

    /// Turns `ETag`/`If-None-Match` on or off. Equivalent to `POST /_sim/entity-tags`.
    ///
    /// Off, every `GET /api/v2/routed-ipv6` gets the whole document with `200` and no `ETag`, as from an API that
    /// documents none; a benchmark measures the full-answer path that way.
    public func setSendsEntityTags(_ enabled: Bool) {
        sendsEntityTags = enabled
    }

    /// The `/api/*` requests received so far, oldest first. Equivalent to `GET /_sim/requests`.
    public func requests() -> [RecordedRequest] {
        log
    }

    /// Empties the request log. Equivalent to `DELETE /_sim/requests`.
    public func clearRequests() {
        log.removeAll()
    }

    /// The state document `GET /api/v2/routed-ipv6` would return now.
    public func document() -> RoutedIPv6State {
        account.document
    }

    /// Everything the simulator holds. Equivalent to `GET /_sim/state`.
    public func snapshot() -> SimulatorSnapshot {
        let now = Date()
        let budget = rateWindow.peek(now: now)
        return SimulatorSnapshot(
            available: account.available,
            reason: account.reason,
            pools: account.pools,
            destinations: account.destinations,
            tokens: tokens.keys.sorted().map { SimulatedToken(token: $0, scopes: tokens[$0] ?? []) },
            faults: faults,
            rateLimit: .init(
                limit: budget.limit,
                remaining: budget.remaining,
                reset: SimulatorTimestamp.string(from: budget.reset)
            ),
            requestCount: log.count
        )
    }

    // MARK: Request plumbing (the HTTP layer)

    /// Logs an arriving `/api/*` request.
    ///
    /// - Returns: The log sequence number, and the token's scopes (`nil` for no or an unknown token).
    func begin(method: String, path: String, token: String?) -> (sequence: Int, scopes: Set<String>?) {
        let scopes = token.flatMap { tokens[$0] }
        let sequence = (log.last?.sequence ?? 0) + 1
        log.append(
            RecordedRequest(
                sequence: sequence,
                method: method,
                path: path,
                hadToken: token != nil,
                hadValidToken: scopes != nil,
                status: nil,
                receivedAt: SimulatorTimestamp.string(from: Date())
            )
        )
        return (sequence, scopes)
    }

    /// Records the status a logged request was answered with.
    func finish(sequence: Int, status: Int) {
        if let index = log.lastIndex(where: { $0.sequence == sequence }) {
            log[index].status = status
        }
    }

    /// Draws the faults for one request, counting down (and retiring) the faults it uses.
    func drawFaults() -> FaultPlan {
        var plan = FaultPlan(clearings: faultClearings)
        var used: [Int] = []
        for (index, fault) in faults.enumerated() {
            if fault.kind == .latency {
                plan.latency += fault.delay
                used.append(index)
            } else if plan.outcome == nil {
                plan.outcome = fault
                used.append(index)
            }
        }
        for index in used.reversed() {
            guard let count = faults[index].count else { continue }
            if count <= 1 {
                faults.remove(at: index)
            } else {
                faults[index].count = count - 1
            }
        }
        return plan
    }

    /// Whether faults were cleared since a plan drawn at `clearings`.
    func faultsCleared(since clearings: Int) -> Bool {
        faultClearings > clearings
    }

    /// Counts one request against the budget.
    func consumeRateBudget() -> RateLimitWindow.Decision {
        rateWindow.consume(now: Date())
    }

    /// `allocate_pool`, then the updated document.
    func allocatePool() throws(APIFailure) -> RoutedIPv6State {
        _ = try account.allocatePool(now: Date())
        return account.document
    }

    /// `create_route`, then the updated document.
    func createRoute(_ input: CreateRouteInput) throws(APIFailure) -> RoutedIPv6State {
        _ = try account.createRoute(input, now: Date())
        return account.document
    }

    /// `DELETE /api/v2/routed-ipv6/routes/{id}`, then the updated document.
    func deleteRoute(id: String) throws(APIFailure) -> RoutedIPv6State {
        try account.deleteRoute(id: id, now: Date())
        return account.document
    }

    /// `DELETE /api/v2/routed-ipv6/{id}`: the pool is released with a 24-hour cooldown.
    func releasePool(id: String) throws(APIFailure) -> ReleasedPool {
        try account.releasePool(id: id)
        let cooldownUntil = Date().addingTimeInterval(24 * 60 * 60)
        return ReleasedPool(released: true, cooldownUntil: SimulatorTimestamp.string(from: cooldownUntil))
    }
}
