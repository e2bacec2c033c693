import ArgumentParser
import FoundationEssentials
import HostUpAPI
import IPv6Addressing
import RoutingAgent

struct RoutesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes",
        abstract: "List, create and delete the account's routed IPv6 prefixes through the HostUp API.",
        subcommands: [ListRoutes.self, CreateRoute.self, DeleteRoute.self])
}

struct ListRoutes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show pools, their routes (and whether each can be deleted), and destinations.",
        discussion: "Needs the token scopes read:network and read:vm.")

    @OptionGroup var options: GlobalOptions

    @Flag(name: .long, help: "Print the state document exactly as the API sent it.")
    var json = false

    func run() async throws {
        let wiring = try Wiring(options: options)
        try await wiring.withAccountCommands { try await $0.listRoutes(json: json) }
    }
}

struct CreateRoute: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Route a /48, /56 or /64 of a pool to a VPS (the create_route action).",
        discussion: """
            The VPS defaults to this one (vps_id, else auto-detected), the pool to the account's only pool. The \
            request is checked locally first. When the route is for this VPS and the daemon runs, it is asked to \
            apply it now, and the command waits (--wait, 60 s) until the kernel holds every object of the route, as \
            `status` shows them; if it does not, it says why (deferred, conflict, kernel error) and exits 1. Needs \
            the scope write:network.
            """)

    @OptionGroup var options: GlobalOptions

    @Option(name: .long, help: "48, 56 or 64.")
    var prefixLength: Int

    @Option(name: .long, help: "An explicit child prefix of the pool; default: the server picks the first free one.")
    var prefix: String?

    @Option(name: .long, help: "A label for the route.")
    var label: String?

    @Option(name: .customLong("vps-id"), help: "The destination VPS; default: this VPS.")
    var vpsID: String?

    @Option(name: .customLong("pool-id"), help: "The pool; default: the account's only pool.")
    var poolID: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "For a route to this VPS while the daemon runs: how long to wait for the daemon's sync, then for the kernel to hold every object of the route. It exits 1 saying why when the route is deferred (its interface is missing), conflicts with a hand-made object, or the kernel refuses it.",
            valueName: "seconds"))
    var wait: Int = 60

    func validate() throws {
        guard wait >= 1 else { throw ValidationError("--wait must be at least 1 second (it was \(wait))") }
    }

    func run() async throws {
        let wiring = try Wiring(options: options)
        try await wiring.withAccountCommands { commands in
            let creation = RouteCreation(
                prefixLength: prefixLength, prefix: prefix, label: label, vpsID: vpsID, poolID: poolID)
            guard
                let (route, checked) = try await commands.createRoute(
                    creation, configuredVPS: wiring.configuration.vpsID, local: .current())
            else { return }
            if checked.isForThisVPS {
                try await applyHere(route, wiring: wiring)
            }
        }
    }

    /// The route is for this VPS: have the running daemon apply it and wait for the kernel.
    private func applyHere(_ route: HostUpAPI.Route, wiring: Wiring) async throws {
        let directory = wiring.configuration.stateDirectory
        let pid: Int32
        switch DaemonApply.presence(stateDirectory: directory) {
        case .notRunning:
            say("the daemon is not running: `hostup-routed sync` applies it now")
            return
        case .unknown(let error):
            say("cannot tell whether the daemon runs (\(error)); it applies the route at its next poll")
            return
        case .running(let daemon):
            pid = daemon
        }
        guard let prefix = try? IPv6Prefix(route.prefix) else { return }
        say("asking the daemon (pid \(pid)) to apply it")
        let apply = DaemonApply(
            routeID: route.id, prefix: prefix, stateDirectory: directory,
            runtimeDirectory: wiring.configuration.runtimeDirectory, timeout: .seconds(wait))
        let outcome = await apply.run(pid: pid) {
            // What `status` says of the route now: the daemon's state file, read-only, against the kernel.
            let agent = try wiring.agent(client: nil, readOnly: true)
            let runtime = RuntimeStatusStore(directory: wiring.configuration.runtimeDirectory).load() ?? RuntimeStatus()
            return try await agent.dryRunStatus(runtime: runtime)
        }
        switch outcome {
        case .daemonFailed(let error), .statusFailed(let error):
            printError("\(error)")
            throw ExitCodes.kernel
        case .refused(let refusal):
            printError("the agent does not apply it: \(refusal)")
            throw ExitCodes.api
        case .notApplied(let failure):
            printError("the daemon did not apply it: \(failure.message)")
            throw ExitCodes.code(for: failure)
        case .unknownRoute:
            printError("the daemon took the route in, but `status` does not list \(route.id) after \(wait) s")
            throw ExitCodes.kernel
        case .notRouted(let status):
            let objects = status.objects.filter { $0.state == .held }.map { "\($0.kind.rawValue) \($0.object)" }
            let held = objects.isEmpty ? "" : "; the kernel holds only: " + objects.joined(separator: ", ")
            printError(
                "the daemon took the route in, but the kernel does not route \(prefix) (status: \(status.state.rawValue))"
                    + held)
            for reason in status.reasons { printError("  why: \(reason)") }
            throw ExitCodes.kernel
        case .routed:
            say("the kernel routes \(prefix)")
        }
    }
}

struct DeleteRoute: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Stop routing a prefix (DELETE /api/v2/routed-ipv6/routes/{id}).",
        discussion: """
            The route's canDelete gate is checked first. The agent removes the prefix from the kernel after a \
            second answer confirms it is gone (the daemon's next poll). Needs the scope write:network.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The route id (routes list shows it).")
    var id: String

    @Flag(name: .long, help: "Do not ask for confirmation.")
    var yes = false

    func run() async throws {
        let wiring = try Wiring(options: options)
        try await wiring.withAccountCommands { try await $0.deleteRoute(id: id, yes: yes) }
    }
}
