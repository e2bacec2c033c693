/// How often the agent may repair the kernel when it keeps changing under it: a token bucket.
///
/// ``burst`` repairs may run back to back; after that one token comes back every ``interval``. One reconcile pass
/// counts as one repair, however many objects it puts back. So a program that deletes a route every 100 ms for
/// `T` seconds gets at most `burst + ⌈T / interval⌉` repairs, and the agent reports it rather than fights it.
///
/// Time is passed in (``admit(at:)``), so tests drive it without sleeping.
public struct RepairLimiter: Sendable {
    /// Repairs that may run back to back. 5.
    public static let defaultBurst = 5
    /// The time it takes for one more repair to be allowed once the burst is spent. 5 seconds.
    public static let defaultInterval: Duration = .seconds(5)

    public let burst: Int
    public let interval: Duration

    private var tokens: Double
    private var updated: ContinuousClock.Instant?
    /// Set while a burst is being limited: its repairs and held-back passes, for the summary.
    private var limited: (since: ContinuousClock.Instant, repairs: Int, heldBack: Int)?

    public init(burst: Int = RepairLimiter.defaultBurst, interval: Duration = RepairLimiter.defaultInterval) {
        precondition(burst >= 1 && interval > .zero)
        self.burst = burst
        self.interval = interval
        self.tokens = Double(burst)
    }

    /// Whether repairs are being held back (a burst is being limited and is not over yet).
    public var isLimiting: Bool { limited != nil }

    /// The decision for one repair pass.
    public enum Decision: Equatable, Sendable {
        /// Run it now.
        case now
        /// Wait this long, then ask again. `first` is set for the first pass held back in a burst, so that it is
        /// logged once.
        case wait(Duration, first: Bool)
    }

    /// A limited burst that ended (the bucket is full again): what it held back, for one summary line.
    public struct BurstSummary: Equatable, Sendable {
        /// How long the limiting lasted.
        public var duration: Duration
        /// Passes that ran while limited.
        public var repairs: Int
        /// Times a pass had to wait.
        public var heldBack: Int
    }

    /// Asks whether a repair pass may run at `now`, and takes a token when it may.
    public mutating func admit(at now: ContinuousClock.Instant) -> Decision {
        refill(at: now)
        if tokens >= 1 {
            tokens -= 1
            if limited != nil { limited!.repairs += 1 }
            return .now
        }
        let first = limited == nil
        if first { limited = (now, 0, 0) }
        limited!.heldBack += 1
        let missing = 1 - tokens
        return .wait(interval * missing, first: first)
    }

    /// The summary of a limited burst when it is over at `now` (the bucket refilled); `nil` otherwise, and once
    /// reported it is not reported again.
    public mutating func finishedBurst(at now: ContinuousClock.Instant) -> BurstSummary? {
        refill(at: now)
        guard let burst = limited, tokens >= Double(self.burst) else { return nil }
        limited = nil
        return BurstSummary(duration: now - burst.since, repairs: burst.repairs, heldBack: burst.heldBack)
    }

    private mutating func refill(at now: ContinuousClock.Instant) {
        defer { updated = now }
        guard let updated, now > updated else { return }
        tokens = min(Double(burst), tokens + (now - updated) / interval)
    }
}
