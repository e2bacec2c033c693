import HostUpAPI
import HostUpAPISimulator
import IPv6Addressing
import Logging
import Testing

@testable import RoutingAgent

/// The in-process API simulator with the account the command-line use cases run against.
enum SimulatedAPI {
    static let vps = "vps_01clivps000000000000000a"
    static let vps2 = "vps_01clitwo0000000000000000"
    static let vps3 = "vps_01clinohop00000000000000"  // no IPv6 next hop: canReceiveRoute says no
    static let poolID = "ripv6_01clipool1"
    static let pool2ID = "ripv6_01clipool2"
    static let token = "route-creation-token"
    /// read:network and read:vm, no write:network.
    static let readOnlyToken = "cli-ro-token"
    /// read:network only.
    static let noVMToken = "cli-novm-token"
    /// This VPS, as IdentityResolver finds it: its next hop is a local address.
    static let here = IdentityResolver.LocalAddresses(ipv6: [try! IPv6Address("2001:db8::10")], ipv4: [])

    static let destinations = [
        SimulatedDestination(vpsId: vps, name: "web-01", primaryIp: "192.0.2.10", nextHop: "2001:db8::10"),
        SimulatedDestination(vpsId: vps2, name: "app-01", primaryIp: "192.0.2.12", nextHop: "2001:db8::12"),
        SimulatedDestination(vpsId: vps3, name: "db-01", primaryIp: "192.0.2.11", nextHop: nil),
    ]

    /// One pool with an active route and a pending one.
    static let base = [
        SimulatedPool(
            id: poolID, parentCidr: "2001:db8:1000::/48",
            routes: [
                SimulatedRoute(id: "ripv6rt_01cliweb", prefix: "2001:db8:1000:10::/64", vpsId: vps, label: "web"),
                SimulatedRoute(
                    id: "ripv6rt_01clipending", prefix: "2001:db8:1000:20::/64", vpsId: vps, label: "staging",
                    status: "pending"),
            ])
    ]
    /// One pool without routes, releasable.
    static let emptyPool = [SimulatedPool(id: poolID, parentCidr: "2001:db8:1000::/48")]
    /// Two empty pools.
    static let twoPools = [
        SimulatedPool(id: poolID, parentCidr: "2001:db8:1000::/48"),
        SimulatedPool(id: pool2ID, parentCidr: "2001:db8:1001::/48"),
    ]

    /// Runs `body` with a client of a simulator holding `pools` (or, given `seed`, that account); returns what
    /// `body` returns and the `/api` requests made, as "METHOD STATUS" ("-" while unanswered).
    ///
    /// - Parameters:
    ///   - token: The client's token: ``token`` (every scope), ``readOnlyToken``, ``noVMToken`` or an unknown one.
    ///   - requestTimeout: The client's whole-request deadline.
    static func run<Result: Sendable>(
        _ pools: [SimulatedPool], seed: SimulatorSeed? = nil, token: String = token,
        requestTimeout: Duration = .seconds(30), _ body: (HostUpClient, SimulatorState) async throws -> Result
    ) async throws -> (Result, [String]) {
        try await serve(pools) { port, state in
            if let seed { await state.seed(seed) }
            let configuration = try HostUpClient.Configuration(
                baseURL: "http://127.0.0.1:\(port)", token: token, version: "0-test", requestTimeout: requestTimeout)
            let result = try await HostUpClient.withClient(
                configuration: configuration, logger: Logger(label: "client", factory: { _ in SwiftLogNoOpLogHandler() })
            ) { try await body($0, state) }
            let requests = await state.requests().filter { $0.path.hasPrefix("/api/") }
            return (result, requests.map { "\($0.method) \($0.status.map(String.init) ?? "-")" })
        }
    }

    /// Runs `body` with the loopback port and state of a simulator holding `pools`, for code that makes its own
    /// client (`doctor`).
    static func serve<Result: Sendable>(
        _ pools: [SimulatedPool], _ body: (Int, SimulatorState) async throws -> Result
    ) async throws -> Result {
        let simulator = APISimulator(
            configuration: APISimulator.Configuration(
                tokens: [
                    Self.token: SimulatedToken.allScopes,
                    Self.readOnlyToken: [SimulatedToken.readNetwork, SimulatedToken.readVM],
                    Self.noVMToken: [SimulatedToken.readNetwork],
                ], destinations: Self.destinations, pools: pools,
                logger: Logger(label: "sim", factory: { _ in SwiftLogNoOpLogHandler() })))
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await simulator.run { continuation.yield($0) }
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            return try await body(port, simulator.state)
        }
    }

}
