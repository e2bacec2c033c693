import FoundationEssentials
import HostUpAPI
import Logging
import Reconciliation
import ServiceLifecycle

/// The daemon's loop (`hostup-routed run`): poll the API, reconcile, sleep, until graceful shutdown.
///
/// Every `pollInterval` (±10 % jitter) it fetches and applies the API's state. When a fetch fails it changes
/// nothing the API said and backs off (5 s → 5 min, full jitter; at least `Retry-After` on 429, at least a minute
/// on 401/403), but still reconciles the kernel to the last valid state at least once a minute, which also
/// restores the cached state at start when the API is unreachable.
///
/// - Important: Cancellation (SIGTERM through `ServiceGroup`) ends the loop between steps; the kernel is left as
///   it is, so traffic keeps flowing across restarts and upgrades.
public struct PollService: Service {
    private let agent: Agent
    private let logger: Logger
    private let onFirstAttempt: @Sendable (_ degraded: Bool) async -> Void

    /// - Parameter onFirstAttempt: Called once, after the first reconcile attempt (from the API or from the
    ///   cache); `degraded` is `true` when the API could not be used. The seam for systemd's `READY=1`.
    public init(agent: Agent, logger: Logger, onFirstAttempt: @escaping @Sendable (_ degraded: Bool) async -> Void = { _ in }) {
        self.agent = agent
        self.logger = logger
        self.onFirstAttempt = onFirstAttempt
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await self.loop()
            }
        } catch is CancellationError {
            logger.info("stopping; the kernel is left as it is")
        }
    }

    private func loop() async throws {
        var backoff = Backoff()
        var announced = false
        var generator = SystemRandomNumberGenerator()
        let interval = agent.configuration.pollInterval
        while !Task.isCancelled {
            let delay: Duration
            var degraded = false
            do {
                let answer = try await agent.fetch()
                await agent.absorb(answer)
                try await reconcile()
                try await agent.markSynced()
                backoff.reset()
                delay = Backoff.jittered(interval, using: &generator)
            } catch let error as HostUpAPIError {
                degraded = true
                await agent.markFailed(error)
                let floor: Duration
                switch error.code {
                case .rateLimited: floor = error.retryAfter ?? .seconds(5)
                case .unauthorized, .forbidden: floor = .seconds(60)
                default: floor = .zero
                }
                delay = min(backoff.nextDelay(atLeast: floor, using: &generator), max(floor, .seconds(60)))
                logger.error(
                    "API: \(error); the kernel keeps the last valid state; retrying in \(delay.configText)",
                    metadata: [LogKeys.event: "\(AgentEvent.apiError.rawValue)"])
                try? await reconcileFromCache(firstTime: !announced)
            } catch {
                degraded = true
                await agent.markFailed(error)
                delay = min(backoff.nextDelay(using: &generator), .seconds(60))
                logger.error("sync failed: \(error); retrying in \(delay.configText)")
                try? await reconcileFromCache(firstTime: !announced)
            }
            if !announced {
                announced = true
                await onFirstAttempt(degraded)
            }
            try await Task.sleep(for: delay)
        }
    }

    private func reconcile() async throws {
        let result = try await agent.reconcile()
        if !result.plan.operations.isEmpty {
            logger.info("applied \(result.plan.operations.count) operations:\n\(result.plan)")
        }
        for problem in result.problems {
            logger.warning("\(problem)")
        }
    }

    private func reconcileFromCache(firstTime: Bool) async throws {
        let routes = await agent.state.routes
        guard !routes.isEmpty else { return }
        if firstTime {
            logger.notice(
                "API unreachable; applying the last valid state (\(routes.count) routes) from the state file",
                metadata: [LogKeys.event: "\(AgentEvent.stateRestored.rawValue)"])
        }
        try await reconcile()
    }
}
