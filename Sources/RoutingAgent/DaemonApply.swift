import IPv6Addressing

/// `routes create` for this VPS: has the running daemon apply the new route now, and waits until the kernel holds
/// every object of it.
///
/// The daemon is asked through ``DaemonSync`` (SIGUSR1, then its next step in the runtime status). What that step
/// did decides the rest (``verdict(routeID:daemon:state:)``): a route the validator refused, or one the step did not
/// take in because it failed, is reported as such; otherwise the route's ``StatusReport`` (what `status` says of
/// it) is read until it is applied, or says why it is not (deferred for a missing interface, a conflict with a
/// hand-made object, a kernel error, a binding problem).
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
        /// The status could not be read (the kernel could not be dumped).
        case statusFailed(any Error)
        /// The daemon took the route in, but the kernel does not hold all of it, for the reasons the route's status
        /// gives: deferred, conflict, kernel error or binding problem; or still pending after the timeout.
        case notRouted(StatusReport.RouteStatus)
        /// The daemon took the route in, but the status does not list it after the timeout.
        case unknownRoute
        /// The kernel holds every object of the route.
        case routed(StatusReport.RouteStatus)
    }

    /// How often the status is read while the route is pending. 200 milliseconds.
    static let pollInterval: Duration = .milliseconds(200)

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

    /// Asks the daemon `pid` to sync now, judges its step, and when the route was accepted reads `status` until
    /// the route is applied or not pending any more.
    ///
    /// - Parameter status: What `status` reports now (a dry run of the daemon's state file against the kernel).
    public func run(pid: Int32, status: @Sendable () async throws -> StatusReport) async -> Outcome {
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
        return await Self.untilSettled(routeID: routeID, timeout: timeout, status: status)
    }

    /// Reads `status` until route `routeID` is applied, or in a state that waiting does not change (deferred,
    /// conflict, kernel error, binding problem, refused), or `timeout` has passed.
    static func untilSettled(
        routeID: String, timeout: Duration, status: @Sendable () async throws -> StatusReport
    ) async -> Outcome {
        let deadline = ContinuousClock.now + timeout
        var last: StatusReport.RouteStatus?
        while true {
            do {
                last = try await status().route(id: routeID)
            } catch {
                return .statusFailed(error)
            }
            if let route = last {
                switch route.state {
                case .applied: return .routed(route)
                case .pending: break
                case .deferred, .conflict, .kernelError, .bindingProblem, .refused: return .notRouted(route)
                }
            }
            guard ContinuousClock.now + pollInterval < deadline else { break }
            try? await Task.sleep(for: pollInterval)
        }
        return last.map { .notRouted($0) } ?? .unknownRoute
    }
}
