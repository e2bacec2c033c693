#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Asks the running daemon to fetch and reconcile now, and waits for its answer in the runtime status.
///
/// The daemon holds ``StateLock`` and syncs at once on SIGUSR1; when the step ends it counts it in
/// ``RuntimeStatus/steps`` and records ``RuntimeStatus/lastStepEnd``, equal to ``RuntimeStatus/lastSync`` on
/// success, with ``RuntimeStatus/lastError`` otherwise.
public enum DaemonSync {
    /// What the daemon's step did.
    public enum Outcome: Sendable {
        /// The step ended with a valid answer applied (``RuntimeStatus/lastError`` may still hold a kernel failure).
        case synced(RuntimeStatus)
        /// The step ended with an error (API or kernel), the kernel keeping the last valid state.
        case failed(RuntimeStatus, RuntimeStatus.Failure)
    }

    /// Why the daemon could not be asked.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Sends SIGUSR1 to `pid` and waits, up to `timeout`, for a step that started after the signal to end.
    ///
    /// - Throws: ``Failure`` when the signal cannot be sent or no step ends in time.
    public static func syncNow(
        pid: Int32, runtime: RuntimeStatusStore, timeout: Duration = .seconds(60)
    ) async throws -> Outcome {
        let before = runtime.load()?.steps ?? 0
        guard kill(pid, SIGUSR1) == 0 else {
            throw Failure(description: "cannot signal the daemon (pid \(pid)): \(String(cString: strerror(errno)))")
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            guard let status = runtime.load(), status.steps > before else { continue }
            if status.lastSync != nil, status.lastSync == status.lastStepEnd { return .synced(status) }
            return .failed(status, status.lastError ?? RuntimeStatus.Failure(.other, "unknown error"))
        }
        throw Failure(description: "the daemon (pid \(pid)) did not finish a sync within \(timeout.configText)")
    }
}
