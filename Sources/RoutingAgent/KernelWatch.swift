import Logging
import Netlink
import Reconciliation
import Synchronization

/// Holds the kernel between polls: feeds the monitor's announcements to the agent's mirror and, when one shows the
/// kernel moved away from what the agent converges to, reconciles at once, without asking the API.
///
/// - A relevant change (``Agent/absorb(kernelEvent:)``) rings; the repair pass runs ``debounce`` later, so a burst
///   of changes (a network manager flushing every route) is one pass and one log line.
/// - Passes are rate-limited by a ``RepairLimiter`` (a burst of 5, then one every 5 s); the first pass held back in
///   a burst is logged (`repairs-limited`), and a summary when the burst is over.
/// - Lost announcements (`ENOBUFS`) and the timer (``resyncInterval``) replace the mirror by a fresh dump
///   (`kernel-resync`), then reconcile. These are the only dumps after start.
public struct KernelWatch: Sendable {
    /// How long the kernel must be quiet before a repair runs: 50 ms after the last relevant change.
    public static let debounce: Duration = .milliseconds(50)
    /// The longest a repair waits for the kernel to be quiet: 500 ms after the first change.
    public static let debounceLimit: Duration = .milliseconds(500)
    /// While repairs are limited, how often the log says so again. 1 minute.
    public static let reminderInterval: Duration = .seconds(60)
    /// How often the mirror is replaced by a fresh dump even when no announcement was lost. 1 minute.
    public static let resyncInterval: Duration = .seconds(60)

    private let agent: Agent
    private let monitor: RTNetlinkMonitor
    private let logger: Logger
    private let repaired: @Sendable (_ status: String) -> Void
    private let clock: ContinuousClock

    /// - Parameters:
    ///   - monitor: Subscribed before ``Agent/attachMirror()`` was called.
    ///   - repaired: Called after each pass that changed the kernel, with the status line (`STATUS=`).
    public init(
        agent: Agent, monitor: RTNetlinkMonitor, logger: Logger,
        repaired: @escaping @Sendable (_ status: String) -> Void = { _ in }
    ) {
        self.agent = agent
        self.monitor = monitor
        self.logger = logger
        self.repaired = repaired
        self.clock = ContinuousClock()
    }

    /// Runs until cancelled. When the monitor socket fails, the agent goes back to dumping the kernel at each
    /// step (``Agent/detachMirror()``) and this returns.
    public func run() async {
        do {
            try await watch()
        } catch is CancellationError {
        } catch {
            await agent.detachMirror()
            logger.error(
                "the kernel monitor failed: \(error); repairing only at each poll",
                metadata: [LogKeys.event: "\(AgentEvent.kernelError.rawValue)"])
        }
    }

    private func watch() async throws {
        let bell = Bell()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await event in monitor.events() {
                    switch await agent.absorb(kernelEvent: event) {
                    case .none: continue
                    case .drift(let cause): bell.ring(.drift(cause))
                    case .lostEvents: bell.ring(.lostEvents)
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: Self.resyncInterval)
                    bell.ring(.timer)
                }
            }
            group.addTask {
                try await repairLoop(bell)
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func repairLoop(_ bell: Bell) async throws {
        var limiter = RepairLimiter()
        var lastReport: ContinuousClock.Instant?
        for await _ in bell.rings {
            // Wait until the kernel has been quiet for `debounce` (a flush of hundreds of routes is announced over
            // tens of milliseconds), but not longer than `debounceLimit`.
            let start = clock.now
            var seen = bell.generation
            repeat {
                try await Task.sleep(for: Self.debounce)
                let now = bell.generation
                if now == seen { break }
                seen = now
            } while clock.now - start < Self.debounceLimit
            var pending = bell.take()
            if pending.timer {
                await resync(.timer)
            }
            if pending.lost {
                await resync(.lostEvents)
            }
            if pending.changes > 0 || pending.lost {
                while case .wait(let delay, let first) = limiter.admit(at: clock.now) {
                    await agent.countRepair(heldBack: true)
                    let now = clock.now
                    if first || lastReport.map({ now - $0 >= Self.reminderInterval }) == true {
                        let what = pending.causes.first ?? "announcements lost"
                        logger.warning(
                            first
                                ? "the kernel keeps changing under the agent (\(what)); repairs are limited to \(limiter.burst) at once, then one every \(limiter.interval.configText)"
                                : "the kernel still keeps changing under the agent (\(what)); repairing once every \(limiter.interval.configText)",
                            metadata: [LogKeys.event: "\(AgentEvent.repairsLimited.rawValue)"])
                        lastReport = now
                    }
                    try await Task.sleep(for: delay)
                    pending.merge(bell.take())
                }
                await agent.countRepair(heldBack: false)
            } else if !pending.timer {
                continue
            }
            // While limited, each repair is logged at debug level: the warnings above and the summary below say it.
            await reconcile(pending, quietly: limiter.isLimiting)
            if let summary = limiter.finishedBurst(at: clock.now) {
                lastReport = nil
                logger.notice(
                    "the kernel stopped changing under the agent: \(summary.repairs) repairs and \(summary.heldBack) held back in \(summary.duration.configText)")
            }
        }
    }

    private func resync(_ reason: Agent.ResyncReason) async {
        let level: Logger.Level = reason == .timer ? .debug : .notice
        logger.log(
            level: level,
            "\(reason == .lostEvents ? "kernel announcements were lost (ENOBUFS)" : "periodic check"); reading the kernel's state again",
            metadata: [LogKeys.event: "\(AgentEvent.kernelResync.rawValue)", LogKeys.reason: "\(reason.rawValue)"])
        do {
            try await agent.resyncMirror(reason: reason)
        } catch {
            logger.error(
                "cannot read the kernel's state: \(error)", metadata: [LogKeys.event: "\(AgentEvent.kernelError.rawValue)"])
        }
    }

    private func reconcile(_ pending: Bell.Pending, quietly: Bool) async {
        let result: Agent.Reconciled
        do {
            result = try await agent.reconcile(quiet: true)
        } catch {
            logger.error(
                "repair failed: \(error)", metadata: [LogKeys.event: "\(AgentEvent.kernelError.rawValue)"])
            await agent.countRepairFailure(error)
            return
        }
        await agent.publishRuntime()
        guard let applied = result.report?.applied, !applied.isEmpty else { return }
        var cause = pending.causes.first ?? (pending.lost ? "announcements were lost" : "a periodic check")
        if pending.changes > 1 { cause += " and \(pending.changes - 1) more change\(pending.changes == 2 ? "" : "s")" }
        logger.log(
            level: quietly ? .debug : .notice,
            "repaired kernel drift: \(applied.count) operation\(applied.count == 1 ? "" : "s") after \(cause)",
            metadata: [LogKeys.event: "\(AgentEvent.driftRepaired.rawValue)"])
        repaired(await agent.statusLine(.synced))
    }
}

/// Collects why a repair is due and wakes the repair loop; rings while it works coalesce into one.
private final class Bell: Sendable {
    enum Ring {
        case drift(String)
        case lostEvents
        case timer
    }

    struct Pending {
        /// The first changes, in words (at most 10).
        var causes: [String] = []
        /// How many relevant changes there were.
        var changes = 0
        var lost = false
        var timer = false

        mutating func merge(_ other: Pending) {
            causes += other.causes.prefix(max(0, 10 - causes.count))
            changes += other.changes
            lost = lost || other.lost
            timer = timer || other.timer
        }
    }

    let rings: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let pending = Mutex(Pending())

    init() {
        (rings, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Counts rings, so that the debounce can tell whether more came while it waited.
    var generation: Int { rung.load(ordering: .acquiring) }
    private let rung = Atomic<Int>(0)

    func ring(_ ring: Ring) {
        rung.add(1, ordering: .releasing)
        pending.withLock { pending in
            switch ring {
            case .drift(let cause):
                if pending.causes.count < 10 { pending.causes.append(cause) }
                pending.changes += 1
            case .lostEvents: pending.lost = true
            case .timer: pending.timer = true
            }
        }
        continuation.yield()
    }

    func take() -> Pending {
        pending.withLock { pending in
            defer { pending = Pending() }
            return pending
        }
    }
}
