import FoundationEssentials

/// The fixed-window counter behind ``RateLimitPolicy``.
struct RateLimitWindow: Sendable {
    /// What one request learned about the budget.
    struct Decision: Sendable {
        /// Whether the request is within the budget.
        var allowed: Bool
        var limit: Int
        /// Requests left in the window after this one (never negative).
        var remaining: Int
        /// The end of the window.
        var reset: Date
        /// Whole seconds until `reset`, at least 1: the `Retry-After` of a 429.
        var retryAfterSeconds: Int
    }

    var policy: RateLimitPolicy
    private var windowStart: Date
    private var used = 0

    init(policy: RateLimitPolicy, now: Date) {
        self.policy = policy
        self.windowStart = now
    }

    private var windowSeconds: Double {
        let components = policy.window.components
        return Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Counts one request at `now`, opening a new window when the current one has ended.
    mutating func consume(now: Date) -> Decision {
        if now >= windowStart.addingTimeInterval(windowSeconds) {
            windowStart = now
            used = 0
        }
        used += 1
        return decision(now: now, allowed: used <= policy.limit)
    }

    /// The budget at `now` without counting a request.
    func peek(now: Date) -> Decision {
        decision(now: now, allowed: used < policy.limit)
    }

    private func decision(now: Date, allowed: Bool) -> Decision {
        let reset = windowStart.addingTimeInterval(windowSeconds)
        let seconds = reset.timeIntervalSince(now).rounded(.up)
        return Decision(
            allowed: allowed,
            limit: policy.limit,
            remaining: max(0, policy.limit - used),
            reset: reset,
            retryAfterSeconds: max(1, Int(seconds))
        )
    }
}
