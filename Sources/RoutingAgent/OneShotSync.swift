import Reconciliation

/// `hostup-routed sync` when no daemon runs: fetch, confirm removals with a second fetch, reconcile once, record.
///
/// A route the API no longer lists is removed only when a second valid answer, at least
/// ``Agent/removalConfirmationDelay`` after the first, still leaves it out (``Agent/absorb(_:)``). A one-shot
/// command has no next poll to wait for, so when the first answer leaves a route out, ``run(dryRun:)`` sleeps until
/// that second answer can confirm it (plus ``confirmationMargin``) and fetches once more. The kernel is dumped once.
///
/// - Important: Fail static, as in the daemon. When either fetch fails nothing is reconciled; the failure is recorded
///   as the last error (``Agent/markFailed(_:)``) unless it is a dry run.
public struct OneShotSync: Sendable {
    /// Sleeps for a duration; `Task.sleep(for:)` in production, a clock that jumps in tests.
    public typealias Sleep = @Sendable (Duration) async throws -> Void

    /// What one run did.
    public enum Outcome: Sendable {
        /// No valid answer (transport, HTTP status, decoding, identity): nothing was changed.
        case apiFailed(any Error)
        /// The kernel could not be observed, or the state could not be saved.
        case reconcileFailed(any Error)
        /// A valid answer was reconciled (planned only, for a dry run). Operations the kernel refused are in
        /// ``Agent/Reconciled/report``; `refusals` are the answer's routes that failed validation.
        case reconciled(Agent.Reconciled, refusals: [RouteRefusal])
    }

    /// How long after the confirmation is due the second fetch goes out, so that the agent's clock surely sees the
    /// full delay elapsed. 50 milliseconds.
    public static let confirmationMargin: Duration = .milliseconds(50)

    private let agent: Agent
    private let fetch: @Sendable () async throws -> Agent.Answer
    private let sleep: Sleep

    /// - Parameters:
    ///   - agent: The agent, with an API client.
    ///   - sleep: How to wait for the confirming answer. Defaults to `Task.sleep(for:)`.
    public init(agent: Agent, sleep: @escaping Sleep = { try await Task.sleep(for: $0) }) {
        self.init(agent: agent, fetch: { try await agent.fetch() }, sleep: sleep)
    }

    /// A sync whose answers come from `fetch` instead of the API (tests).
    init(agent: Agent, fetch: @escaping @Sendable () async throws -> Agent.Answer, sleep: @escaping Sleep) {
        self.agent = agent
        self.fetch = fetch
        self.sleep = sleep
    }

    /// Fetches (twice when a removal awaits confirmation), reconciles, and records the sync or the failure.
    ///
    /// - Parameter dryRun: Plan only: nothing is changed in the kernel and nothing is recorded.
    public func run(dryRun: Bool) async -> Outcome {
        do {
            if await agent.absorb(try await fetch()) > 0, let wait = await agent.confirmationWait() {
                try await sleep(wait + Self.confirmationMargin)
                await agent.absorb(try await fetch())
            }
        } catch {
            if !dryRun { await agent.markFailed(error) }
            return .apiFailed(error)
        }
        let result: Agent.Reconciled
        do {
            result = try await agent.reconcile(dryRun: dryRun)
            if !dryRun { try await agent.markSynced() }
        } catch {
            return .reconcileFailed(error)
        }
        return .reconciled(result, refusals: await agent.runtime.refusals)
    }

    /// The last line of a `sync` whose plan has no operation, agreeing with `status`: "in sync: nothing to do" only
    /// when nothing is wrong either; else "nothing to change; 2 problems: FIRST; ... (hostup-routed status says
    /// why)", counting the binding problems, deferrals and conflicts as ``StatusReport/problems`` does.
    ///
    /// - Parameter dryRun: For `sync --dry-run`: the line starts with `# `, as the plan's comments do.
    public static func nothingToDoLine(_ result: Agent.Reconciled, dryRun: Bool) -> String {
        let problems =
            result.problems.map(\.description) + result.plan.deferred.map(\.description)
            + result.plan.conflicts.map(\.description)
        let text: String
        if problems.isEmpty {
            text = dryRun ? "nothing to do" : "in sync: nothing to do"
        } else {
            let shown = problems.prefix(2).map { $0.hasPrefix("# ") ? String($0.dropFirst(2)) : $0 }
            text =
                "nothing to change; \(problems.count) problem\(problems.count == 1 ? "" : "s"): "
                + shown.joined(separator: "; ") + (problems.count > shown.count ? "; ..." : "")
                + " (hostup-routed status says why)"
        }
        return dryRun ? "# " + text : text
    }
}
