import ArgumentParser
import HostUpAPI
import RoutingAgent

struct PoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "Allocate or release the account's routed /48.",
        subcommands: [AllocatePool.self, ReleasePool.self])
}

struct AllocatePool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allocate",
        abstract: "Add the account-level /48 (the allocate_pool action).",
        discussion: "Refused locally when actions.canAllocatePool says no. Needs the scope write:network.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let wiring = try Wiring(options: options)
        try await wiring.withClient { client in
            let state = try await fetchState(client)
            if let gate = state.actions?.canAllocatePool, !gate.allowed {
                printError("a pool cannot be allocated: \(sentence(gate.reason)); nothing was sent")
                throw ExitCodes.api
            }
            let known = Set(state.pools.map(\.id))
            let after = try await callAPI(
                "POST /api/v2/routed-ipv6 (allocate_pool)", conflict: "409: the account already has a routed /48"
            ) { try await client.allocatePool() }
            for pool in after.pools where !known.contains(pool.id) {
                say("allocated pool \(pool.id): \(pool.parentCidr)")
            }
        }
    }
}

struct ReleasePool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release a pool that has no routes left (DELETE /api/v2/routed-ipv6/{id}).",
        discussion: "Refused locally when the pool's canRelease gate says no. Needs the scope write:network.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The pool id (routes list shows it).")
    var id: String

    @Flag(name: .long, help: "Do not ask for confirmation.")
    var yes = false

    func run() async throws {
        let wiring = try Wiring(options: options)
        try await wiring.withClient { client in
            let state = try await fetchState(client)
            let pool: Pool
            do {
                pool = try ActionGateCheck.poolToRelease(id: id, in: state)
            } catch let refusal as ActionGateCheck.Refusal {
                throw refused(refusal)
            }
            try confirm("release pool \(id) (\(pool.parentCidr))?", yes: yes)
            let released = try await callAPI("DELETE /api/v2/routed-ipv6/\(id)") { try await client.releasePool(id: id) }
            say("released pool \(id) (\(pool.parentCidr)); cooldown until \(released.cooldownUntil ?? "unknown")")
        }
    }
}
