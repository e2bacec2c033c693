import HostUpAPI
import HostUpAPISimulator
import IPv6Addressing
import Logging
import Testing

@testable import RoutingAgent

/// `routes create`'s request against the in-process API simulator: the defaults, explicit fields, several pools and
/// every local refusal. Each builds the request the command would send, sends it when the local checks pass, and
/// checks what reached the API from the simulator's request log (AccountCommandsTests has the API's refusals).
@Suite struct RouteCreationTests {
    typealias API = SimulatedAPI

    /// What the command does up to printing: fetch, check, send, find the new route.
    func create(_ creation: RouteCreation, on client: HostUpClient) async throws -> (RouteCreation.Checked, Route?) {
        let before = try await client.routedIPv6Document().state
        let checked = try creation.check(in: before, configuredVPS: nil, local: API.here)
        let after = try await client.createRoute(checked.request)
        return (checked, RouteCreation.createdRoute(before: before, after: after))
    }

    @Test func theDefaultsRouteTheFirstFreeSlash64ToThisVPS() async throws {
        let ((checked, route), requests) = try await API.run(API.base) { client, _ in
            try await create(RouteCreation(prefixLength: 64, label: "api"), on: client)
        }
        #expect(checked.request == CreateRouteRequest(poolId: API.poolID, vpsId: API.vps, prefixLength: 64, prefix: nil, label: "api"))
        #expect(checked.isForThisVPS)
        #expect(route?.prefix == "2001:db8:1000::/64" && route?.vpsId == API.vps && route?.label == "api")
        #expect(requests == ["GET 200", "POST 201"])
    }

    @Test func anExplicitPrefixVPSAndPoolAreSentAsGiven() async throws {
        let ((checked, route), requests) = try await API.run(API.twoPools) { client, _ in
            try await create(
                RouteCreation(
                    prefixLength: 56, prefix: "2001:db8:1001:100::/56", label: "app", vpsID: API.vps2,
                    poolID: API.pool2ID), on: client)
        }
        #expect(!checked.isForThisVPS, "a route for another VPS is not applied here")
        #expect(route?.prefix == "2001:db8:1001:100::/56" && route?.vpsId == API.vps2 && route?.vpsName == "app-01")
        #expect(requests == ["GET 200", "POST 201"])
    }

    /// Each refusal names what is wrong, and only the GET reached the API.
    @Test(arguments: [
        (RouteCreation(prefixLength: 64), API.twoPools,
         "several pools; choose one with --pool-id: ripv6_01clipool1 (2001:db8:1000::/48), ripv6_01clipool2 (2001:db8:1001::/48)"),
        (RouteCreation(prefixLength: 64, prefix: "2001:db8:1000:5:/64"), API.base, "--prefix 2001:db8:1000:5:/64:"),
        (RouteCreation(prefixLength: 64, prefix: "2001:db8:1000:5::"), API.base, "missing '/' and prefix length"),
        (RouteCreation(prefixLength: 64, prefix: "2001:db8:1000:5::/064"), API.base, "leading zero"),
        (RouteCreation(prefixLength: 64, prefix: "2001:db8:1000:5::1/64"), API.base,
         "host bits set; did you mean 2001:db8:1000:5::/64?"),
        (RouteCreation(prefixLength: 56, prefix: "2001:db8:1000:5::/56"), API.base,
         "host bits set; did you mean 2001:db8:1000::/56?"),
        (RouteCreation(prefixLength: 56, prefix: "2001:db8:1000:5::/64"), API.base,
         "--prefix 2001:db8:1000:5::/64 is a /64, not a /56"),
        (RouteCreation(prefixLength: 64, prefix: "2001:db8:2000::/64"), API.base,
         "--prefix 2001:db8:2000::/64 is not inside pool ripv6_01clipool1 (2001:db8:1000::/48)"),
        (RouteCreation(prefixLength: 40), API.base, "--prefix-length 40 is not allowed (allowed: 48, 56, 64)"),
        (RouteCreation(prefixLength: 64, vpsID: API.vps3), API.base,
         "VPS vps_01clinohop00000000000000 cannot receive a route: The VPS has no IPv6 next hop"),
        (RouteCreation(prefixLength: 64, vpsID: "vps_01unknown"), API.base,
         "VPS vps_01unknown is not a destination of this account"),
        (RouteCreation(prefixLength: 64, poolID: "ripv6_01unknown"), API.base,
         "no pool ripv6_01unknown; pools: ripv6_01clipool1 (2001:db8:1000::/48)"),
    ] as [(RouteCreation, [SimulatedPool], String)])
    func aLocalRefusalSendsNothing(_ creation: RouteCreation, _ pools: [SimulatedPool], _ reason: String) async throws {
        let (refusal, requests) = try await API.run(pools) { client, _ -> String? in
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
