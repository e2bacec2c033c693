#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Asks the running daemon to fetch and reconcile now, and waits for its answer in the state file.
///
/// The daemon holds ``StateLock`` and syncs at once on SIGUSR1; when the step ends it counts it in `steps` and
/// records `lastStepEnd` in `state.json`, equal to `lastSync` on success, with `lastError` otherwise.
public enum DaemonSync {
    /// What the daemon's step did.
    public enum Outcome: Sendable {
        /// The step ended with a valid answer applied.
        case synced(PersistedState)
        /// The step ended with an error (API or kernel), the kernel keeping the last valid state.
        case failed(PersistedState, String)
    }

    /// Why the daemon could not be asked.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Sends SIGUSR1 to `pid` and waits, up to `timeout`, for a step that started after the signal to end.
    ///
    /// - Throws: ``Failure`` when the signal cannot be sent or no step ends in time.
    public static func syncNow(pid: Int32, store: StateStore, timeout: Duration = .seconds(60)) async throws -> Outcome {
        let before = (try? store.load())?.steps ?? 0
        guard kill(pid, SIGUSR1) == 0 else {
            throw Failure(description: "cannot signal the daemon (pid \(pid)): \(String(cString: strerror(errno)))")
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            guard let state = try? store.load(), state.steps > before else { continue }
            if state.lastSync != nil, state.lastSync == state.lastStepEnd { return .synced(state) }
            return .failed(state, state.lastError ?? "unknown error")
        }
        throw Failure(description: "the daemon (pid \(pid)) did not finish a sync within \(timeout.configText)")
    }
}
