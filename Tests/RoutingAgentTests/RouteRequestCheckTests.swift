import HostUpAPI
import IPv6Addressing
import Testing

@testable import RoutingAgent

@Suite struct RouteRequestCheckTests {
    func state(pools: [Pool]? = nil, receive: ActionGate = ActionGate(allowed: true, reason: nil)) -> RoutedIPv6State {
        var state = document([route("r1", "2001:db8:1000:10::/64")])
        if let pools { state.pools = pools }
        state.allowedPrefixLengths = [48, 56, 64]
        state.destinations = [
            Destination(
                vpsId: selfID, name: "web-01", nextHop: "2001:db8::10",
                actions: DestinationActions(canReceiveRoute: receive))
        ]
        return state
    }

    func check(
        _ state: RoutedIPv6State, length: Int = 64, prefix: String? = nil, pool: String? = nil, vps: String = selfID
    ) -> Result<CreateRouteRequest, RouteRequestCheck.Refusal> {
        Result {
            try RouteRequestCheck.request(
                in: state, vpsID: vps, poolID: pool, prefixLength: length, prefix: prefix, label: "web")
        }.mapError { $0 as! RouteRequestCheck.Refusal }
    }

    /// `routes create` without `--vps-id` on a VPS it cannot identify said only "cannot tell which VPS this is";
    /// it now gives the candidates, as `sync` does (issue 12).
    @Test func anUnidentifiableVPSNamesTheCandidates() throws {
        var state = self.state()
        state.destinations = (state.destinations ?? []) + [
            Destination(vpsId: "vps_other", name: "app-01", nextHop: "2001:db8::20")
        ]
        let nowhere = IdentityResolver.LocalAddresses(ipv6: [], ipv4: [])
        #expect {
            try RouteRequestCheck.destination(explicit: nil, configured: nil, state: state, local: nowhere)
        } throws: { error in
            let text = "\(error)"
            return error is IdentityResolver.Failure && text.contains("candidates: ") && text.contains(selfID)
                && text.contains("vps_other") && text.contains("2001:db8::20")
        }
        let chosen = try RouteRequestCheck.destination(explicit: "vps_other", configured: nil, state: state, local: nowhere)
        #expect(chosen.destination == "vps_other" && chosen.thisVPS == nil)
        let here = IdentityResolver.LocalAddresses(ipv6: [try .init("2001:db8::10")], ipv4: [])
        let mine = try RouteRequestCheck.destination(explicit: nil, configured: nil, state: state, local: here)
        #expect(mine.destination == selfID && mine.thisVPS == selfID)
    }

    @Test func buildsTheRequestForTheOnlyPool() throws {
        let request = try check(state(), prefix: "2001:db8:1000:20::/64").get()
        #expect(request == CreateRouteRequest(poolId: "ripv6_1", vpsId: selfID, prefixLength: 64, prefix: "2001:db8:1000:20::/64", label: "web"))
    }

    @Test(arguments: [
        (60, nil as String?, "not allowed"),
        (64, "2001:db8:1000:20::1/64", "host bits set"),
        (64, "2001:db8:1000:zz::/64", "--prefix"),
        (56, "2001:db8:1000:20::/64", "is a /64, not a /56"),
        (64, "2001:db8:2000:20::/64", "not inside pool"),
    ])
    func refusesBadInputBeforeSending(length: Int, prefix: String?, reason: String) {
        guard case .failure(let refusal) = check(state(), length: length, prefix: prefix) else {
            Issue.record("accepted")
            return
        }
        #expect(refusal.description.contains(reason), "\(refusal)")
    }

    @Test func severalPoolsMustBeChosen() throws {
        let pools = [
            Pool(id: "p1", parentCidr: "2001:db8:1000::/48", prefixLength: 48, status: .active),
            Pool(id: "p2", parentCidr: "2001:db8:2000::/48", prefixLength: 48, status: .active),
        ]
        guard case .failure(let refusal) = check(state(pools: pools)) else {
            Issue.record("accepted")
            return
        }
        #expect(refusal.description.contains("p1 (2001:db8:1000::/48)") && refusal.description.contains("p2"))
        #expect(try check(state(pools: pools), pool: "p2").get().poolId == "p2")
        guard case .failure = check(state(pools: []), pool: nil) else {
            Issue.record("accepted with no pool")
            return
        }
    }

    @Test func destinationGateIsHonoured() {
        guard case .failure(let refusal) = check(state(receive: ActionGate(allowed: false, reason: "VPS is suspended."))) else {
            Issue.record("accepted")
            return
        }
        #expect(refusal.description.contains("VPS is suspended"))
        guard case .failure(let unknown) = check(state(), vps: "vps_nobody") else {
            Issue.record("accepted an unknown VPS")
            return
        }
        #expect(unknown.description.contains("not a destination"))
    }
}

@Suite struct RoutedIPv6ListingTests {
    @Test func rendersPoolsRoutesAndDestinations() {
        var state = document([
            HostUpAPI.Route(
                id: "r1", prefix: "2001:db8:1000:10::/64", prefixLength: 64, label: "web\u{1b}[31m\nx", vpsId: selfID,
                vpsName: "web-01", status: .active,
                actions: RouteActions(canDelete: ActionGate(allowed: false, reason: "Route is in use.")))
        ])
        state.destinations = [
            Destination(
                vpsId: selfID, name: "web-01", primaryIp: "192.0.2.10", nextHop: "2001:db8::10",
                actions: DestinationActions(canReceiveRoute: ActionGate(allowed: true, reason: nil)))
        ]
        let text = RoutedIPv6Listing.render(state)
        #expect(
            text == """
                pool ripv6_1  2001:db8:1000::/48  active  1 route
                  PREFIX                 ID  VPS                                      LABEL             STATUS  DELETABLE
                  2001:db8:1000:10::/64  r1  vps_01hxa3b4c5d6e7f8g9h0j1k2m5 (web-01)  web\\x1b[31m\\x0ax  active  no: Route is in use.
                destinations
                  VPS                             NAME    NEXT HOP      PRIMARY IP  CAN RECEIVE
                  vps_01hxa3b4c5d6e7f8g9h0j1k2m5  web-01  2001:db8::10  192.0.2.10  yes
                """)
    }
}
