import HostUpAPI
import HostUpAPISimulator
import IPv6Addressing
import Logging
import Testing

@testable import RoutingAgent

/// `routes create` against the in-process API simulator: the cases of scripts/cli-test.sh that need no network
/// namespace (they moved here from the script). Each builds the request the command would send, sends it when the
/// local checks pass, and checks what reached the API from the simulator's request log.
@Suite struct RouteCreationTests {
    static let vps = "vps_01clivps000000000000000a"
    static let vps2 = "vps_01clitwo0000000000000000"
    static let vps3 = "vps_01clinohop00000000000000"  // no IPv6 next hop: canReceiveRoute says no
    static let poolID = "ripv6_01clipool1"
    static let pool2ID = "ripv6_01clipool2"
    static let token = "route-creation-token"
    /// This VPS, as IdentityResolver finds it: its next hop is a local address.
    static let here = IdentityResolver.LocalAddresses(ipv6: [try! IPv6Address("2001:db8::10")], ipv4: [])

    static let destinations = [
        SimulatedDestination(vpsId: vps, name: "web-01", primaryIp: "192.0.2.10", nextHop: "2001:db8::10"),
        SimulatedDestination(vpsId: vps2, name: "app-01", primaryIp: "192.0.2.12", nextHop: "2001:db8::12"),
        SimulatedDestination(vpsId: vps3, name: "db-01", primaryIp: "192.0.2.11", nextHop: nil),
    ]

    /// One pool with an active route and a pending one (cli-test.sh's seed_base).
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
    /// Two empty pools (seed_pools).
    static let twoPools = [
        SimulatedPool(id: poolID, parentCidr: "2001:db8:1000::/48"),
        SimulatedPool(id: pool2ID, parentCidr: "2001:db8:1001::/48"),
    ]

    /// Runs `body` with a client of a simulator holding `pools`; returns what `body` returns and the requests made.
    func withAPI<Result: Sendable>(
        _ pools: [SimulatedPool], _ body: (HostUpClient, SimulatorState) async throws -> Result
    ) async throws -> (Result, [String]) {
        let simulator = APISimulator(
            configuration: APISimulator.Configuration(
                tokens: [Self.token: SimulatedToken.allScopes], destinations: Self.destinations, pools: pools,
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
            let configuration = try HostUpClient.Configuration(
                baseURL: "http://127.0.0.1:\(port)", token: Self.token, version: "0-test")
            let result = try await HostUpClient.withClient(
                configuration: configuration, logger: Logger(label: "client", factory: { _ in SwiftLogNoOpLogHandler() })
            ) { try await body($0, simulator.state) }
            let requests = await simulator.state.requests().filter { $0.path.hasPrefix("/api/") }
            return (result, requests.map { "\($0.method) \($0.status.map(String.init) ?? "-")" })
        }
    }

    /// What the command does up to printing: fetch, check, send, find the new route.
    func create(_ creation: RouteCreation, on client: HostUpClient) async throws -> (RouteCreation.Checked, Route?) {
        let before = try await client.routedIPv6Document().state
        let checked = try creation.check(in: before, configuredVPS: nil, local: Self.here)
        let after = try await client.createRoute(checked.request)
        return (checked, RouteCreation.createdRoute(before: before, after: after))
    }

    @Test func theDefaultsRouteTheFirstFreeSlash64ToThisVPS() async throws {
        let ((checked, route), requests) = try await withAPI(Self.base) { client, _ in
            try await create(RouteCreation(prefixLength: 64, label: "api"), on: client)
        }
        #expect(checked.request == CreateRouteRequest(poolId: Self.poolID, vpsId: Self.vps, prefixLength: 64, prefix: nil, label: "api"))
        #expect(checked.isForThisVPS)
        #expect(route?.prefix == "2001:db8:1000::/64" && route?.vpsId == Self.vps && route?.label == "api")
        #expect(requests == ["GET 200", "POST 201"])
    }

    @Test func anExplicitPrefixVPSAndPoolAreSentAsGiven() async throws {
        let ((checked, route), requests) = try await withAPI(Self.twoPools) { client, _ in
            try await create(
                RouteCreation(
                    prefixLength: 56, prefix: "2001:db8:1001:100::/56", label: "app", vpsID: Self.vps2,
                    poolID: Self.pool2ID), on: client)
        }
        #expect(!checked.isForThisVPS, "a route for another VPS is not applied here")
        #expect(route?.prefix == "2001:db8:1001:100::/56" && route?.vpsId == Self.vps2 && route?.vpsName == "app-01")
        #expect(requests == ["GET 200", "POST 201"])
    }

    /// Each refusal names what is wrong, and only the GET reached the API.
    @Test(arguments: [
        (RouteCreation(prefixLength: 64), twoPools,
         "several pools; choose one with --pool-id: ripv6_01clipool1 (2001:db8:1000::/48), ripv6_01clipool2 (2001:db8:1001::/48)"),
        (RouteCreation(prefixLength: 64, prefix: "2001:db8:1000:5:/64"), base, "--prefix 2001:db8:1000:5:/64:"),
        (RouteCreation(prefixLength: 64, prefix: "2001:db8:1000:5::"), base, "missing '/' and prefix length"),
        (RouteCreation(prefixLength: 64, prefix: "2001:db8:1000:5::/064"), base, "leading zero"),
        (RouteCreation(prefixLength: 64, prefix: "2001:db8:1000:5::1/64"), base,
         "host bits set; did you mean 2001:db8:1000:5::/64?"),
        (RouteCreation(prefixLength: 56, prefix: "2001:db8:1000:5::/56"), base,
         "host bits set; did you mean 2001:db8:1000::/56?"),
        (RouteCreation(prefixLength: 56, prefix: "2001:db8:1000:5::/64"), base,
         "--prefix 2001:db8:1000:5::/64 is a /64, not a /56"),
        (RouteCreation(prefixLength: 64, prefix: "2001:db8:2000::/64"), base,
         "--prefix 2001:db8:2000::/64 is not inside pool ripv6_01clipool1 (2001:db8:1000::/48)"),
        (RouteCreation(prefixLength: 40), base, "--prefix-length 40 is not allowed (allowed: 48, 56, 64)"),
        (RouteCreation(prefixLength: 64, vpsID: vps3), base,
         "VPS vps_01clinohop00000000000000 cannot receive a route: The VPS has no IPv6 next hop"),
        (RouteCreation(prefixLength: 64, vpsID: "vps_01unknown"), base,
         "VPS vps_01unknown is not a destination of this account"),
        (RouteCreation(prefixLength: 64, poolID: "ripv6_01unknown"), base,
         "no pool ripv6_01unknown; pools: ripv6_01clipool1 (2001:db8:1000::/48)"),
    ] as [(RouteCreation, [SimulatedPool], String)])
    func aLocalRefusalSendsNothing(_ creation: RouteCreation, _ pools: [SimulatedPool], _ reason: String) async throws {
        let (refusal, requests) = try await withAPI(pools) { client, _ -> String? in
            do {
                _ = try await create(creation, on: client)
                return nil
            } catch let refusal as RouteRequestCheck.Refusal {
                return refusal.description
            }
        }
        let text = try #require(refusal, "the request was not refused")
        #expect(text.contains(reason), "\(text)")
        #expect(requests == ["GET 200"])
    }
}
