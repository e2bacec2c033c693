import Synchronization

/// Tracks whether the reconcile loop is making progress, for the watchdog.
///
/// The poll loop calls ``beginStep()`` before each fetch and reconcile and ``endStep()`` after it (or uses
/// ``step(_:)``). Sleeping between polls is idle, which counts as healthy: a long `poll_interval` never trips the
/// watchdog. Only a step that stays busy longer than the limit does, which is what a wedged loop looks like.
///
/// - Important: Size the limit (the daemon passes the watchdog interval) above the longest a healthy step can
///   take, including the API client's request timeout, or a slow API restarts the service.
public final class LoopProgress: Sendable {
    private struct State {
        var busySince: ContinuousClock.Instant?
        var completedSteps = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Marks the start of a step (one fetch and reconcile).
    public func beginStep() {
        state.withLock { $0.busySince = .now }
    }

    /// Marks the end of the current step; the loop is idle until the next ``beginStep()``.
    public func endStep() {
        state.withLock {
            $0.busySince = nil
            $0.completedSteps += 1
        }
    }

    /// Runs `body` between ``beginStep()`` and ``endStep()``, ending the step even when `body` throws.
    public func step<Result>(_ body: () async throws -> Result) async rethrows -> Result {
        beginStep()
        defer { endStep() }
        return try await body()
    }

    /// The number of steps that have ended since creation.
    public var completedSteps: Int {
        state.withLock { $0.completedSteps }
    }

    /// Whether the loop is idle, or has been busy with the current step for less than `limit`.
    ///
    /// - Parameter limit: How long one step may take before the loop counts as wedged.
    public func isHealthy(limit: Duration) -> Bool {
        guard let since = state.withLock({ $0.busySince }) else { return true }
        return ContinuousClock.now - since < limit
    }
}
