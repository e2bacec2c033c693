import ArgumentParser
import FoundationEssentials
import RoutingAgent

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the routes the agent applies, whether the kernel holds them, and the last sync.")

    @OptionGroup var options: GlobalOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() async throws {
        let wiring = try Wiring(options: options)
        let agent = try wiring.agent(client: nil)
        let reconciled: Agent.Reconciled
        do {
            reconciled = try await agent.reconcile(dryRun: true)
        } catch {
            printError("\(error)")
            throw ExitCodes.kernel
        }
        let runtime = RuntimeStatusStore(directory: wiring.configuration.runtimeDirectory).load() ?? RuntimeStatus()
        let report = StatusReport(reconciled: reconciled, state: await agent.state, runtime: runtime)
        if json {
            say(try report.json())
            return
        }
        say("vps:        \(report.vpsId ?? "unknown (not synced yet)")")
        say("last sync:  \(report.lastSync.map { "\($0) (\(Int(-$0.timeIntervalSinceNow)) s ago)" } ?? "never")")
        if let error = report.lastError { say("last error: \(error)") }
        let pending = report.pendingOperations
        let kernel =
            report.inSync
            ? "in sync"
            : "not in sync: \(pending.count) operation\(pending.count == 1 ? "" : "s") pending, \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")"
        say("kernel:     \(kernel)")
        say("routes:")
        if report.routes.isEmpty { say("  (none)") }
        for route in report.routes {
            var line = "  \(route.prefix)  \(route.id)"
            if let label = route.label { line += "  \"\(label)\"" }
            line += route.applied ? "  applied" : "  NOT applied"
            if let since = route.awaitingRemovalSince { line += "  (no longer listed since \(since))" }
            say(line)
        }
        for line in pending { say("  pending: \(line)") }
        for line in report.refusals + report.problems { say("  ! \(line)") }
    }
}
