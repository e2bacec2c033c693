import ArgumentParser
import FoundationEssentials
import Reconciliation
import RoutingAgent

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the routes the agent applies, whether the kernel holds them, and the last sync.")

    @OptionGroup var options: GlobalOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    /// The `--json` document.
    struct Report: Encodable {
        var vpsId: String?
        var lastSync: Date?
        var lastAttempt: Date?
        var lastError: String?
        var inSync: Bool
        var routes: [RouteStatus]
        var pendingOperations: [String]
        var refusals: [String]
        var problems: [String]

        struct RouteStatus: Encodable {
            var id: String
            var prefix: String
            var label: String?
            var applied: Bool
            var awaitingRemovalSince: Date?
        }
    }

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
        let state = await agent.state
        let runtime = RuntimeStatusStore(directory: wiring.configuration.runtimeDirectory).load() ?? RuntimeStatus()
        let pending = reconciled.plan.operations.map { "\($0)" }
        let routes = state.routes.map { route in
            Report.RouteStatus(
                id: route.id, prefix: "\(route.prefix)", label: route.label,
                applied: !reconciled.plan.routeIDs.values.contains(route.id)
                    && !reconciled.plan.deferred.contains { $0.routeID == route.id }
                    && !reconciled.plan.conflicts.contains { $0.routeID == route.id },
                awaitingRemovalSince: route.missingSince)
        }
        let report = Report(
            vpsId: state.vpsID, lastSync: runtime.lastSync, lastAttempt: runtime.lastAttempt,
            lastError: runtime.lastError?.message,
            inSync: pending.isEmpty && reconciled.plan.deferred.isEmpty && reconciled.plan.conflicts.isEmpty,
            routes: routes, pendingOperations: pending, refusals: runtime.refusals.map(\.description),
            problems: reconciled.problems.map { "\($0)" } + reconciled.plan.deferred.map { "\($0)" }
                + reconciled.plan.conflicts.map { "\($0)" })
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            say(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        say("vps:        \(report.vpsId ?? "unknown (not synced yet)")")
        say("last sync:  \(report.lastSync.map { "\($0) (\(Int(-$0.timeIntervalSinceNow)) s ago)" } ?? "never")")
        if let error = report.lastError { say("last error: \(error)") }
        let kernel =
            report.inSync
            ? "in sync"
            : "not in sync: \(pending.count) operation\(pending.count == 1 ? "" : "s") pending, \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")"
        say("kernel:     \(kernel)")
        say("routes:")
        if routes.isEmpty { say("  (none)") }
        for route in routes {
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
