import ArgumentParser
import FoundationEssentials
import RoutingAgent

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each route, what its binding wants, what the kernel holds and why not; and the last sync.",
        discussion: """
            Read-only: it changes neither the kernel nor the state and runtime files. --json prints the document \
            described in docs/status-json.md (schemaVersion \(StatusReport.currentSchemaVersion)).
            """)

    @OptionGroup var options: GlobalOptions

    @Flag(name: .long, help: "Print JSON (docs/status-json.md).")
    var json = false

    func run() async throws {
        let wiring = try Wiring(options: options)
        let agent = try wiring.agent(client: nil, readOnly: true)
        if let warning = await agent.stateWarning { printError("warning: \(warning)") }
        var runtime = RuntimeStatus()
        var runtimeUnknown = false
        do {
            runtime = try RuntimeStatusStore(directory: wiring.configuration.runtimeDirectory).read() ?? runtime
        } catch {
            printError("warning: \(error); the last sync is unknown")
            runtimeUnknown = true
        }
        let report: StatusReport
        do {
            report = try await agent.dryRunStatus(runtime: runtime)
        } catch {
            printError("\(error)")
            throw ExitCodes.kernel
        }
        if json {
            say(try report.json())
            return
        }
        for line in report.lines(now: Date(), lastSyncUnknown: runtimeUnknown) { say(line) }
    }
}
