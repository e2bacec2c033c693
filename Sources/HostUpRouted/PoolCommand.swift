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
        try await wiring.withAccountCommands { try await $0.allocatePool() }
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
        try await wiring.withAccountCommands { try await $0.releasePool(id: id, yes: yes) }
    }
}
