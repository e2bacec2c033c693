import HostUpAPI

/// When the poll loop asks the API next: the scheduling decisions of ``PollService``, as a value with no clock and
/// no I/O.
///
/// ``PollService`` keeps one for its life and asks it after every request; the fleet simulator
/// (`HostUpRoutedFleetSim`, `scripts/bench/fleet.sh`) gives one to each simulated agent, so both run the same
/// decisions. Each method
/// returns a relative delay; the caller waits it (or simulates the wait).
///
/// - After a valid answer: the poll interval ±10 % (``Backoff/jittered(_:using:)``), and the failures are forgotten.
/// - After a failure: exponential backoff with full jitter, 5 s → 5 minutes (``Backoff``); while the kernel holds a
///   valid answer (``holdsValidAnswer``), an API failure waits at least a poll interval (±10 %). A `429` waits its
///   `Retry-After` (5 s when it has none) and a `401`/`403` a minute, plus a ``randomPhase(using:)`` of the poll
///   interval, so that agents told the same `Retry-After` do not come back in the same second.
/// - At start: the first request goes out at once when there is no cached state, else at a random phase of the
///   poll interval (the cached state is already in the kernel).
public struct PollSchedule: Sendable {
    /// Why a request did not give a valid answer, as far as the schedule cares.
    public enum Failure: Sendable, Hashable {
        /// The API unreachable, a timeout, a `5xx`, an answer that does not decode: anything but the cases below.
        case other
        /// The API answered, but putting its answer into the kernel failed: the fault is local, so the retry is not
        /// held to the poll interval.
        case reconcile
        /// `429 Too Many Requests`, with its `Retry-After` as a delay (`nil` when the answer had none).
        case rateLimited(retryAfter: Duration?)
        /// `401` or `403`: the token or one of its scopes is missing; someone has to act, so ask rarely.
        case refused
    }

    /// The configured `poll_interval`; the loop sets it again after a reload. Defaults to 30 seconds.
    public var pollInterval: Duration
    /// The failures so far and the next backoff ceiling.
    public private(set) var backoff: Backoff
    /// Whether the kernel holds a valid answer: a cached state at start, or any valid answer since. Set by
    /// ``afterSuccess(using:)``.
    public private(set) var holdsValidAnswer: Bool

    /// The wait after a `429` without `Retry-After`: 5 seconds.
    public static let defaultRetryAfter: Duration = .seconds(5)
    /// The least wait after a `401` or `403`: 1 minute.
    public static let refusedFloor: Duration = .seconds(60)

    /// - Parameters:
    ///   - pollInterval: The configured `poll_interval`.
    ///   - backoff: The retry schedule after failures.
    ///   - holdsValidAnswer: Whether a cached state is already in the kernel at start.
    public init(pollInterval: Duration = .seconds(30), backoff: Backoff = Backoff(), holdsValidAnswer: Bool = false) {
        self.pollInterval = pollInterval
        self.backoff = backoff
        self.holdsValidAnswer = holdsValidAnswer
    }

    /// Failed requests since the last valid answer.
    public var consecutiveFailures: Int { backoff.failures }

    /// The delay before the first request after start.
    ///
    /// - Parameters:
    ///   - hasCachedState: Whether a cached state (`state.json` with routes) is already in the kernel.
    ///   - generator: The random source.
    /// - Returns: With a cached state, a ``randomPhase(using:)`` of the poll interval; without one (the first
    ///   start ever), zero: the agent has nothing to serve until the API answers.
    public func firstRequestDelay<G: RandomNumberGenerator>(
        hasCachedState: Bool, using generator: inout G
    ) -> Duration {
        // NOTE: A region that boots at once (a power cut, a host upgrade) starts every agent in the same second.
        // 0.1.0 asked the API at once: 30 times the fleet's steady rate in that second, then waves one interval
        // apart that the ±10 % jitter smooths slowly (still ×1.3 the steady rate 15 minutes later in the fleet
        // simulator, scenario boot). The cached state is in the kernel before this wait, so it delays no prefix;
        // each agent polls at a random phase instead, as a fleet that never stopped.
        hasCachedState ? randomPhase(using: &generator) : .zero
    }

    /// Records a valid answer and returns the delay until the next poll: the poll interval ±10 %.
    public mutating func afterSuccess<G: RandomNumberGenerator>(using generator: inout G) -> Duration {
        backoff.reset()
        holdsValidAnswer = true
        return Backoff.jittered(pollInterval, using: &generator)
    }

    /// Records a failed request and returns the delay until the next try.
    ///
    /// - Parameters:
    ///   - failure: What went wrong.
    ///   - generator: The random source.
    /// - Returns: The backoff's draw from `[0, ceiling]`; after a `429` or a `401`/`403`, at least their floor plus a
    ///     ``randomPhase(using:)``; after ``Failure/other`` while the kernel holds a valid answer, at least the
    ///     poll interval ±10 %.
    public mutating func afterFailure<G: RandomNumberGenerator>(
        _ failure: Failure, using generator: inout G
    ) -> Duration {
        let drawn = backoff.nextDelay(using: &generator)
        if failure == .other && holdsValidAnswer {
            // NOTE: An agent that already serves a valid answer gains nothing by asking sooner than it would have
            // anyway, and a fleet that retries from 5 s sends about 4 times its steady rate in the first minute of
            // any outage, and the same burst just after an outage of 10 to 60 s ends (the fleet simulator: ×2.8 to
            // ×3.5 the steady mean). Never sooner than a poll interval, each agent keeps its phase and the fleet
            // its steady rate at most; the backoff still stretches the wait in a long outage. The first start
            // ever, with nothing to serve, keeps the 5 s schedule.
            return max(drawn, Backoff.jittered(pollInterval, using: &generator))
        }
        let floor = Self.floor(of: failure)
        guard floor > .zero else { return drawn }
        // NOTE: A floor alone brings back together every agent told the same instant: a `Retry-After` as an
        // HTTP-date, or a delay sent to a fleet that asked in the same second (after a reboot, say); 0.1.0 waited
        // max(draw, floor), and a whole fleet came back in one second. After the floor each agent waits a random
        // phase of one poll interval, so that together they poll as a fleet that never paused: at its steady rate
        // from the first second, with no wave after. A plain draw from [0, pollInterval] does not: the agents back
        // first poll again 27 s later (the interval's -10 %) while the last are still coming back, a third more
        // requests in those seconds (the fleet simulator, scenario rate-limit). Spreading over half the floor as
        // well would only lengthen the wait: the fleet's rate never exceeds its steady rate either way.
        return max(drawn, floor + randomPhase(using: &generator))
    }

    /// A random phase of the poll cycle: a draw from `[0, J]`, where `J` is a jittered poll interval.
    ///
    /// Agents that each wait this before their next poll, and the poll interval ±10 % after it, send their requests
    /// as a fleet that has been polling all along: at a random point of the interval that covers "now", which is
    /// the stationary start of the renewal process (the density of the wait is P(J > t) / E[J]). The rate is the
    /// steady one from the start, with no echo one interval later.
    public func randomPhase<G: RandomNumberGenerator>(using generator: inout G) -> Duration {
        Self.uniform(upTo: Backoff.jittered(pollInterval, using: &generator), using: &generator)
    }

    /// A duration drawn uniformly from `[0, upper]`, to the millisecond.
    static func uniform<G: RandomNumberGenerator>(upTo upper: Duration, using generator: inout G) -> Duration {
        .milliseconds(Int64.random(in: 0...Backoff.milliseconds(upper), using: &generator))
    }

    /// The least wait a failure imposes: the `Retry-After` of a `429`, a minute after a `401`/`403`, else zero.
    static func floor(of failure: Failure) -> Duration {
        switch failure {
        case .other, .reconcile: .zero
        case .rateLimited(let retryAfter): retryAfter ?? defaultRetryAfter
        case .refused: refusedFloor
        }
    }
}

extension PollSchedule.Failure {
    /// What an API error means for the schedule: `429` and `401`/`403` are told apart, the rest is ``other``.
    public init(_ error: HostUpAPIError) {
        switch error.code {
        case .rateLimited: self = .rateLimited(retryAfter: error.retryAfter)
        case .unauthorized, .forbidden: self = .refused
        default: self = .other
        }
    }
}
