import IPv6Addressing

/// `routes create` for this VPS: has the running daemon apply the new route now, and waits until the kernel routes it.
///
/// The daemon is asked through ``DaemonSync`` (SIGUSR1, then its next step in the runtime status). What that step
/// did decides the rest (``verdict(routeID:daemon:state:)``): a route the validator refused, or one the step did not
/// take in because it failed, is reported as such; otherwise the kernel is watched (``KernelWait``) until it
/// routes the prefix.
public struct DaemonApply: Sendable {
    /// Whether a daemon holds the state directory.
    public enum Presence: Sendable {
        /// The daemon runs as `pid`.
        case running(pid: Int32)
        /// Nothing runs, or what holds the lock is not the daemon (a one-shot command).
        case notRunning
        /// The lock could not be read.
        case unknown(any Error)
    }

    /// Who holds the lock in `stateDirectory` (``StateLock/holder(directory:)``).
    public static func presence(stateDirectory: String) -> Presence {
        do {
            guard let pid = try StateLock.holder(directory: stateDirectory)?.daemonPID else { return .notRunning }
            return .running(pid: pid)
        } catch {
            return .unknown(error)
        }
    }

    /// What the daemon's step means for the route.
    public enum Verdict: Sendable, Equatable {
        /// The step validated the answer and refused the route.
        case refused(RouteRefusal)
        /// The step failed before it took the route in; the failure says why.
        case notApplied(RuntimeStatus.Failure)
        /// The daemon holds the route: the kernel gets it (or already has it).
        case accepted
    }

    /// Judges the daemon's step for `routeID`.
    ///
    /// - Parameters:
    ///   - daemon: The step, as ``DaemonSync/syncNow(pid:runtime:timeout:)`` reported it.
    ///   - state: The daemon's state file after the step; `nil` when it cannot be read.
    /// - Returns: ``Verdict/refused(_:)`` when the step's answer refused the route; ``Verdict/notApplied(_:)`` when
    ///   the step ended with an error and the daemon does not remember the route; else ``Verdict/accepted``.
    public static func verdict(routeID: String, daemon: DaemonSync.Outcome, state: PersistedState?) -> Verdict {
        let status: RuntimeStatus
        let failure: RuntimeStatus.Failure?
        switch daemon {
        case .synced(let synced): (status, failure) = (synced, synced.lastError)
        case .failed(let failed, let error): (status, failure) = (failed, error)
        }
        if let refusal = status.refusals.first(where: { $0.routeID == routeID }) { return .refused(refusal) }
        if let failure, !(state?.routes ?? []).contains(where: { $0.id == routeID }) { return .notApplied(failure) }
        return .accepted
    }

    /// How it ended.
    public enum Outcome: Sendable {
        /// The daemon could not be signalled, or did not finish a step in time.
        case daemonFailed(any Error)
        /// See ``Verdict/refused(_:)``.
        case refused(RouteRefusal)
        /// See ``Verdict/notApplied(_:)``.
        case notApplied(RuntimeStatus.Failure)
        /// The daemon took the route in, but the kernel does not route the prefix in time, or cannot be read.
        case notRouted(any Error)
        /// The kernel routes the prefix.
        case routed
    }

    /// The new route's API id.
    public var routeID: String
    /// Its prefix.
    public var prefix: IPv6Prefix
    /// The daemon's state directory (`state.json`).
    public var stateDirectory: String
    /// The daemon's runtime directory (`status.json`).
    public var runtimeDirectory: String
    /// How long to wait for the daemon's step, and then again for the kernel.
    public var timeout: Duration

    public init(routeID: String, prefix: IPv6Prefix, stateDirectory: String, runtimeDirectory: String, timeout: Duration) {
        self.routeID = routeID
        self.prefix = prefix
        self.stateDirectory = stateDirectory
        self.runtimeDirectory = runtimeDirectory
        self.timeout = timeout
    }

    /// Asks the daemon `pid` to sync now, judges its step, and waits for the kernel when the route was accepted.
    public func run(pid: Int32) async -> Outcome {
        let daemon: DaemonSync.Outcome
        do {
            daemon = try await DaemonSync.syncNow(
                pid: pid, runtime: RuntimeStatusStore(directory: runtimeDirectory), timeout: timeout)
        } catch {
            return .daemonFailed(error)
        }
        switch Self.verdict(routeID: routeID, daemon: daemon, state: try? StateStore(directory: stateDirectory).load()) {
        case .refused(let refusal): return .refused(refusal)
        case .notApplied(let failure): return .notApplied(failure)
        case .accepted: break
        }
        do {
            try await KernelWait.untilRouted(prefix, timeout: timeout)
        } catch {
            return .notRouted(error)
        }
        return .routed
    }
}
