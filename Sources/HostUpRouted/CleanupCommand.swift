import ArgumentParser
import Reconciliation
import RoutingAgent

struct CleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Remove every address and route the agent owns and restore the sysctls it changed.",
        discussion: "Objects made by hand are never touched. The package's purge runs this.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let wiring = try Wiring(options: options)
        ignoreSyncRequests()
        let lock: StateLock
        do {
            lock = try await StateLock.acquire(directory: wiring.configuration.stateDirectory, role: "cleanup")
        } catch let held as StateLock.Held {
            if held.role == StateLock.daemonRole {
                printError("\(held): stop the daemon first (systemctl stop hostup-routed)")
            } else {
                printError("\(held), and did not release it within 10 s; try again when it has finished")
            }
            throw ExitCodes.busy
        } catch {
            printError("\(error)")
            throw ExitCodes.config
        }
        defer { withExtendedLifetime(lock) {} }
        let agent = try wiring.agent(client: nil)
        let result: Agent.Reconciled
        do {
            result = try await agent.reconcile(routes: [])
            try await agent.forgetRoutes()
        } catch {
            printError("\(error)")
            throw ExitCodes.kernel
        }
        say(result.plan.operations.isEmpty ? "nothing to remove" : "\(result.plan)")
        if let failed = result.report?.failed, !failed.isEmpty {
            for failure in failed { printError("failed: \(failure.operation): \(failure.error)") }
            throw ExitCodes.kernel
        }
    }
}
