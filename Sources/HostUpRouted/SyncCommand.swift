import ArgumentParser
import FoundationEssentials
import HostUpAPI
import Reconciliation
import RoutingAgent

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Fetch the API's state once and reconcile the kernel to it.",
        discussion: """
            A route the API no longer lists is removed only when a second answer, fetched at least 2 seconds later, \
            confirms it; sync waits and fetches again. With --dry-run the plan is printed as `ip` commands and \
            nothing is changed.
            """)

    @OptionGroup var options: GlobalOptions

    @Flag(name: .long, help: "Print the plan; change nothing.")
    var dryRun = false

    func run() async throws {
        let wiring = try Wiring(options: options)
        try await wiring.withClient { client in
            try await sync(agent: try wiring.agent(client: client))
        }
    }

    private func sync(agent: Agent) async throws {
        do {
            var answer = try await agent.fetch()
            if await agent.absorb(answer) > 0, let due = await agent.confirmationDue() {
                let wait = max(0, due.timeIntervalSinceNow)
                try await Task.sleep(for: .milliseconds(Int64(wait * 1000) + 50))
                answer = try await agent.fetch()
                await agent.absorb(answer)
            }
        } catch {
            if !dryRun { await agent.markFailed(error) }
            printError("API: \(error)")
            printError("nothing was changed")
            throw ExitCodes.api
        }
        let result: Agent.Reconciled
        do {
            result = try await agent.reconcile(dryRun: dryRun)
            if !dryRun { try await agent.markSynced() }
        } catch {
            printError("\(error)")
            throw ExitCodes.kernel
        }
        for problem in result.problems { printError("\(problem)") }
        for refusal in await agent.state.refusals { printError(refusal) }
        if dryRun {
            print(result.plan.operations.isEmpty ? "# nothing to do" : "\(result.plan)")
            return
        }
        let report = result.report!
        print(result.plan.operations.isEmpty ? "in sync: nothing to do" : "\(result.plan)")
        if !report.failed.isEmpty {
            for failure in report.failed { printError("failed: \(failure.operation): \(failure.error)") }
            throw ExitCodes.kernel
        }
    }
}
