import FoundationEssentials
import HostUpAPI
import Logging
import Reconciliation
import ServiceLifecycle
import Synchronization

/// The daemon's loop (`hostup-routed run`): poll the API, reconcile, sleep, until graceful shutdown.
///
/// At start it first applies the cached state (`state.json`) to the kernel, then fetches: at once without a cached
/// state, else at a random point of the first poll interval (``PollSchedule/firstRequestDelay(hasCachedState:using:)``,
/// so that a region booting at once does not ask the API in the same second). `READY=1` follows the cached state
/// into the kernel when the fetch waits so; otherwise the first fetch's answer or failure, or
/// ``readinessDeadline``, whichever comes first.
///
/// Every `pollInterval` (±10 % jitter) it fetches and applies the API's state. When a fetch fails it changes
/// nothing the API said and backs off (5 s → 5 min, full jitter; at least `Retry-After` on 429, at least a minute
/// on 401/403; ``PollSchedule`` makes these decisions), but still reconciles the kernel to the last valid state at
/// least once a minute, which also restores the cached state at start when the API is unreachable. A
/// ``PollTrigger`` wakes it early: `.reload` re-reads the configuration first (SIGHUP), `.syncNow` just polls.
///
/// With a ``KernelWatch`` (the daemon), the kernel is held between polls: the agent reads a mirror kept current by
/// rtnetlink announcements instead of dumping at each step, and drift is repaired as soon as it is announced.
///
/// - Important: Cancellation (SIGTERM through `ServiceGroup`) ends the loop between steps; the kernel is left as
///   it is, so traffic keeps flowing across restarts and upgrades.
public struct PollService: Service {
    /// Where the loop reports its life, for systemd (`sd_notify`) or anything else. Every hook defaults to nothing.
    public struct Hooks: Sendable {
        /// Before each fetch-and-reconcile step.
        public var stepStarted: @Sendable () -> Void = {}
        /// After each step, whatever its outcome.
        public var stepFinished: @Sendable () -> Void = {}
        /// Once at start: when the cached state is in the kernel and the first fetch has answered or failed, or
        /// ``PollService/readinessDeadline`` after start, whichever comes first; as soon as the cached state is in
        /// the kernel when the first fetch is put off (``PollSchedule/firstRequestDelay(hasCachedState:using:)``).
        /// And after each reload's step. With the status line.
        public var ready: @Sendable (_ status: String) -> Void = { _ in }
        /// After every other step, with the status line.
        public var status: @Sendable (_ status: String) -> Void = { _ in }
        /// When a reload begins.
        public var reloading: @Sendable () -> Void = {}
        /// When the loop stops.
        public var stopping: @Sendable () -> Void = {}

        public init() {}
    }

    /// A new configuration and the API client that goes with it, for a reload.
    public typealias Reloader = @Sendable () throws -> (AgentConfiguration, HostUpClient)

    private let agent: Agent
    /// The logger as given; ``logger()`` adds this VPS's id.
    private let baseLogger: Logger
    private let trigger: PollTrigger
    private let hooks: Hooks
    private let reloader: Reloader?
    private let watch: KernelWatch?

    /// - Parameters:
    ///   - trigger: Wakes the loop early (signals).
    ///   - hooks: Life-cycle callbacks; the seam for `READY=1`, `STATUS=`, `RELOADING=1`, `STOPPING=1`, watchdog.
    ///   - reloader: Re-reads the configuration on ``PollTrigger/Reason/reload``; `nil` ignores reloads.
    ///   - watch: Holds the kernel between polls (the mirror and drift repair); `nil` dumps the kernel at every step
    ///     instead and repairs only then.
    public init(
        agent: Agent, logger: Logger, trigger: PollTrigger = PollTrigger(), hooks: Hooks = Hooks(),
        watch: KernelWatch? = nil, reloader: Reloader? = nil
    ) {
        self.watch = watch
        self.agent = agent
        self.baseLogger = logger
        self.trigger = trigger
        self.hooks = hooks
        self.reloader = reloader
    }

    /// How long after start `READY=1` comes at the latest, even while the first fetch is still running (it goes
    /// on after that). 10 seconds: services ordered after `network-online.target` wait for it at boot.
    public static let readinessDeadline: Duration = .seconds(10)

    /// The service's logger with this VPS's id (`hostup.vps_id`, the journal's `HOSTUP_VPS_ID`) once an answer
    /// identified it, as the agent's own entries carry it.
    private func logger() async -> Logger {
        var logger = baseLogger
        if let vpsID = await agent.state.vpsID { logger[metadataKey: LogKeys.vpsID] = "\(vpsID)" }
        return logger
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    let readiness = Readiness()
                    if let watch {
                        // The monitor subscribed before this dump, so no change between the two is missed.
                        do {
                            try await agent.attachMirror()
                            group.addTask { await watch.run() }
                        } catch {
                            await logger().error(
                                "cannot read the kernel's state (\(error)); repairing only at each poll",
                                metadata: [LogKeys.event: "\(AgentEvent.kernelError.rawValue)"])
                        }
                    }
                    group.addTask {
                        try await Task.sleep(for: Self.readinessDeadline)
                        let status = await agent.statusLine(.starting)
                        if readiness.claim() {
                            await logger().notice("ready before the first API answer, which is still awaited")
                            hooks.ready(status)
                        }
                    }
                    try await self.loop(readiness)
                    group.cancelAll()
                }
            }
        } catch is CancellationError {
        }
        hooks.stopping()
        await logger().info("stopping; the kernel is left as it is")
    }

    private func loop(_ readiness: Readiness) async throws {
        var generator = SystemRandomNumberGenerator()
        var reason: PollTrigger.Reason?
        // The cached state goes into the kernel before anything waits on the API: at boot, services that bind
        // routed addresses start once READY=1 is sent.
        let hasCachedState = await !agent.state.routes.isEmpty
        var schedule = await PollSchedule(
            pollInterval: agent.configuration.pollInterval, holdsValidAnswer: hasCachedState)
        var cacheApplied = false
        if hasCachedState {
            hooks.stepStarted()
            cacheApplied = await reconcileFromCache(atStart: true)
            hooks.stepFinished()
        }
        let hasClient = await agent.hasClient
        let firstDelay = schedule.firstRequestDelay(hasCachedState: hasCachedState && hasClient, using: &generator)
        if firstDelay > .zero {
            // NOTE: The first request waits a random part of the poll interval so that a region booting at once
            // does not ask the API in one second. Waiting for its answer before READY=1 would hold up every boot
            // for that wait, often to the 10 s bound, for nothing: the kernel already holds the cached state,
            // which is what services ordered after network-online.target need.
            if cacheApplied && readiness.claim() {
                let status = await agent.statusLine(.starting)
                hooks.ready(status)
            }
            await logger().debug("first API request in \(firstDelay.configText)")
            reason = await trigger.wait(upTo: firstDelay)
        }
        var first = true
        while !Task.isCancelled {
            if reason == .reload {
                hooks.reloading()
                await reload()
            }
            hooks.stepStarted()
            let (delay, health) = await step(
                schedule: &schedule, generator: &generator, confirmRemovals: reason == .syncNow)
            hooks.stepFinished()
            let status = await agent.statusLine(health)
            if Task.isCancelled { break }
            if (first && readiness.claim()) || reason == .reload {
                hooks.ready(status)
            } else {
                hooks.status(status)
            }
            first = false
            reason = await waitForNextStep(delay, health: health)
        }
    }

    /// Waits `delay` or until the trigger fires. While the API is failing the wait can be minutes long (backoff up
    /// to 5 minutes), so the kernel is reconciled to the last valid state every ``resyncInterval`` meanwhile.
    private func waitForNextStep(_ delay: Duration, health: Agent.Health) async -> PollTrigger.Reason? {
        guard case .degraded = health else { return await trigger.wait(upTo: delay) }
        var remaining = delay
        while remaining > .zero, !Task.isCancelled {
            let slice = min(remaining, Self.resyncInterval)
            if let reason = await trigger.wait(upTo: slice) { return reason }
            remaining -= slice
            if remaining > .zero {
                hooks.stepStarted()
                await reconcileFromCache(atStart: false)
                hooks.stepFinished()
            }
        }
        return nil
    }

    /// How often the kernel is reconciled to the last valid state while the API is failing. 1 minute.
    static let resyncInterval: Duration = .seconds(60)

    /// One fetch and reconcile. Returns the delay until the next one, and how it went.
    ///
    /// - Parameter confirmRemovals: For a sync asked for by hand (SIGUSR1: `sync`, `routes create`), a route the
    ///   answer no longer lists is confirmed by a second fetch ``Agent/removalConfirmationDelay`` later, as a
    ///   one-shot `sync` does, rather than at the next poll.
    private func step<G: RandomNumberGenerator>(
        schedule: inout PollSchedule, generator: inout G, confirmRemovals: Bool = false
    ) async -> (Duration, Agent.Health) {
        let interval = await agent.configuration.pollInterval
        schedule.pollInterval = interval
        if await !agent.hasClient {
            // No token yet: look for it again; until then change nothing.
            guard let reloader else { return (interval, .waitingForToken) }
            do {
                let (configuration, client) = try reloader()
                await agent.reload(configuration: configuration, client: client)
                await logger().notice("found the API token")
            } catch let error as ConfigurationError where error.key == "token" {
                await agent.markWaitingForToken(error)
                return (interval, .waitingForToken)
            } catch {
                await logger().error("\(error)")
                await agent.markWaitingForToken(error)
                return (interval, .waitingForToken)
            }
        }
        do {
            let answer = try await agent.fetch()
            if await agent.absorb(answer) > 0, confirmRemovals, let wait = await agent.confirmationWait() {
                try await Task.sleep(for: wait + .milliseconds(50))
                await agent.absorb(try await agent.fetch())
            }
            try await reconcile()
            try await agent.markSynced()
            return (schedule.afterSuccess(using: &generator), .synced)
        } catch let error as HostUpAPIError {
            await agent.markFailed(error)
            let delay = schedule.afterFailure(PollSchedule.Failure(error), using: &generator)
            // The delay is not in the message, so that repeated identical errors fold in the log.
            await logger().error(
                "API: \(error); the kernel keeps the last valid state",
                metadata: [LogKeys.event: "\(AgentEvent.apiError.rawValue)"])
            await logger().debug("next API attempt in \(delay.configText)")
            await reconcileFromCache(atStart: false)
            return (delay, .degraded)
        } catch is CancellationError {
            return (.zero, .degraded)
        } catch {
            await agent.markFailed(error)
            let delay = schedule.afterFailure(.reconcile, using: &generator)
            await logger().error("sync failed: \(error)")
            await logger().debug("next attempt in \(delay.configText)")
            await reconcileFromCache(atStart: false)
            return (delay, .degraded)
        }
    }

    private func reconcile() async throws {
        guard await agent.needsReconcile else { return }
        let result = try await agent.reconcile()
        if let applied = result.report?.applied, !applied.isEmpty {
            await logger().info("applied \(applied.count) operation\(applied.count == 1 ? "" : "s"):\n\(applied.map(\.description).joined(separator: "\n"))")
        }
    }

    /// Reconciles the kernel to the cached state; `false` when that failed (or there is no cached state).
    @discardableResult
    private func reconcileFromCache(atStart: Bool) async -> Bool {
        let routes = await agent.state.routes
        guard !routes.isEmpty else { return false }
        if atStart {
            await logger().notice(
                "applying the last valid state (\(routes.count == 1 ? "1 route" : "\(routes.count) routes")) from the state file before the first API answer",
                metadata: [LogKeys.event: "\(AgentEvent.stateRestored.rawValue)"])
        }
        do {
            try await reconcile()
            return true
        } catch {
            await logger().error("reconcile from the state file failed: \(error)", metadata: [LogKeys.event: "\(AgentEvent.kernelError.rawValue)"])
            return false
        }
    }

    private func reload() async {
        guard let reloader else { return }
        do {
            let (configuration, client) = try reloader()
            await agent.reload(configuration: configuration, client: client)
            await logger().notice("configuration reloaded")
        } catch {
            await logger().error("reload: \(error); keeping the previous configuration")
        }
    }
}

/// Makes sure `READY=1` at start is sent once: by the first step or by the deadline, whichever claims it first.
final class Readiness: Sendable {
    private let claimed = Mutex(false)

    /// `true` exactly once.
    func claim() -> Bool {
        claimed.withLock { claimed in
            defer { claimed = true }
            return !claimed
        }
    }
}
