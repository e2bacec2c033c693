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
            nothing is changed. When the daemon runs (it holds the state directory's lock), sync asks it to \
            reconcile now (SIGUSR1) and reports its result instead of writing itself.
            """)

    @OptionGroup var options: GlobalOptions

    @Flag(name: .long, help: "Print the plan; change nothing.")
    var dryRun = false

    func run() async throws {
        let wiring = try Wiring(options: options)
        var lock: StateLock?
        if !dryRun {
            ignoreSyncRequests()
            do {
                lock = try await StateLock.acquire(directory: wiring.configuration.stateDirectory, role: "sync")
            } catch let held as StateLock.Held {
                // Only a running daemon is asked to sync (SIGUSR1); another one-shot command was waited for.
                guard let pid = held.daemonPID else {
                    if held.claimsDaemon {
                        printError("\(held), but the kernel's lock table does not show that process holding it; not signalling it")
                    } else {
                        printError("\(held), and did not release it within 10 s; try again when it has finished")
                    }
                    throw ExitCodes.busy
                }
                try await askDaemon(pid: pid, wiring: wiring)
                return
            } catch {
                printError("\(error)")
                throw ExitCodes.config
            }
        }
        try await wiring.withClient { client in
            try await sync(agent: try wiring.agent(client: client))
        }
        withExtendedLifetime(lock) {}
    }

    /// The daemon holds the lock: have it sync now and report what it did.
    private func askDaemon(pid: Int32, wiring: Wiring) async throws {
        say("the daemon (pid \(pid)) is running; asking it to sync now")
        let outcome: DaemonSync.Outcome
        do {
            outcome = try await DaemonSync.syncNow(
                pid: pid, runtime: RuntimeStatusStore(directory: wiring.configuration.runtimeDirectory))
        } catch {
            printError("\(error)")
            throw ExitCodes.busy
        }
        switch outcome {
        case .synced(let status):
            let routes = (try? StateStore(directory: wiring.configuration.stateDirectory).load().routes) ?? []
            say("synced: \(routes.count) routes")
            for route in routes { say("  \(route.prefix)  \(route.id)") }
            if let error = status.lastError {
                printError(error.message)
                throw ExitCodes.kernel
            }
        case .failed(_, let failure):
            printError("the daemon's sync failed: \(failure.message)")
            throw ExitCodes.code(for: failure)
        }
    }

    private func sync(agent: Agent) async throws {
        switch await OneShotSync(agent: agent).run(dryRun: dryRun) {
        case .apiFailed(let error):
            printError("API: \(error)")
            printError("nothing was changed")
            throw ExitCodes.code(for: error)
        case .reconcileFailed(let error):
            printError("\(error)")
            throw ExitCodes.kernel
        case .reconciled(let result, let refusals):
            for problem in result.problems { printError("\(problem)") }
            for refusal in refusals { printError("\(refusal)") }
            if dryRun {
                say(result.plan.operations.isEmpty ? OneShotSync.nothingToDoLine(result, dryRun: true) : "\(result.plan)")
                return
            }
            say(result.plan.operations.isEmpty ? OneShotSync.nothingToDoLine(result, dryRun: false) : "\(result.plan)")
            let failed = result.report?.failed ?? []
            if !failed.isEmpty {
                for failure in failed { printError("failed: \(failure.operation): \(failure.error)") }
                throw ExitCodes.kernel
            }
        }
    }
}
