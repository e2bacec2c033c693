import FoundationEssentials
import IPv6Addressing
import Netlink
import Reconciliation
import Testing

@Suite struct DesiredStateBuilderTests {
    @Test func noBindingsMeansAnyipForEveryRoute() {
        let (state, problems) = DesiredStateBuilder.build(routes: [Fixture.r1, Fixture.r2], bindings: [], uplink: "eth0")
        #expect(problems.isEmpty)
        #expect(
            state.addresses == [
                DesiredAddress(
                    interface: "lo", address: Fixture.address("2001:db8:1000:10::1"), prefixLength: 128,
                    noPrefixRoute: true, routeID: "r1"),
                DesiredAddress(
                    interface: "lo", address: Fixture.address("2001:db8:1000:100::1"), prefixLength: 128,
                    noPrefixRoute: true, routeID: "r2"),
            ])
        #expect(
            state.routes == [
                DesiredRoute(destination: Fixture.r1.prefix, type: .local, table: .local, interface: "lo", routeID: "r1"),
                DesiredRoute(
                    destination: Fixture.r1.prefix, type: .unreachable, table: .main, metric: .max, routeID: "r1"),
                DesiredRoute(destination: Fixture.r2.prefix, type: .local, table: .local, interface: "lo", routeID: "r2"),
                DesiredRoute(
                    destination: Fixture.r2.prefix, type: .unreachable, table: .main, metric: .max, routeID: "r2"),
            ])
        #expect(state.forwarding == false)
        #expect(state.uplink == "eth0")
        #expect(state.keepAddressOnDown == ["lo"])
    }

    @Test(arguments: ["*", "r1", "web", "2001:db8:1000:10::/64", "2001:DB8:1000:10:0::/64"])
    func bindingMatches(_ match: String) {
        #expect(Binding(match: match).matches(Fixture.r1))
    }

    @Test(arguments: ["r2", "db", "2001:db8:1000:10::/63", "2001:db8:1000::/48", "garbage"])
    func bindingDoesNotMatch(_ match: String) {
        #expect(!Binding(match: match).matches(Fixture.r1))
    }

    @Test func firstMatchingBindingWithoutSplitAppliesAlone() {
        let (state, problems) = DesiredStateBuilder.build(
            routes: [Fixture.r1],
            bindings: [
                Binding(match: "web", mode: .route, interface: "veth1"),
                Binding(match: "*", mode: .address, interface: "br0", forwarding: true),
            ],
            uplink: nil)
        #expect(problems.isEmpty)
        #expect(state.addresses.isEmpty)
        #expect(
            state.routes.map(\.interface) == ["veth1", nil] && state.routes.map(\.metric) == [1024, UInt32.max])
        #expect(state.forwarding == false)
        #expect(state.keepAddressOnDown == [])
    }

    @Test func splitGivesChildNToBindingN() throws {
        let (state, problems) = DesiredStateBuilder.build(
            routes: [Fixture.r2],
            bindings: [
                Binding(match: "r2", mode: .address, interface: "br0", split: 64, forwarding: true),
                Binding(match: "other", mode: .route, interface: "nope", split: 64),
                Binding(match: "r2", mode: .route, interface: "veth1", split: 64),
                Binding(match: "r2", mode: .anyip, split: 64),
                Binding(match: "r2", mode: .route, interface: "ignored", split: 60),
            ],
            uplink: "eth0")
        #expect(problems.isEmpty)
        #expect(state.addresses.map { "\($0.interface) \($0.address)/\($0.prefixLength)" } == [
            "br0 2001:db8:1000:100::1/64", "lo 2001:db8:1000:102::1/128",
        ])
        #expect(state.routes.map { "\($0.type) \($0.destination) \($0.interface ?? "-")" } == [
            "unicast 2001:db8:1000:101::/64 veth1",
            "local 2001:db8:1000:102::/64 lo",
            "unreachable 2001:db8:1000:100::/56 -",
        ])
        #expect(state.forwarding)
        #expect(state.keepAddressOnDown == ["br0", "lo"])
    }

    @Test func moreBindingsThanChildrenIsAProblem() throws {
        let slash63 = RoutedPrefix(id: "r3", prefix: Fixture.prefix("2001:db8:1000:20::/63"))
        let (state, problems) = DesiredStateBuilder.build(
            routes: [slash63],
            bindings: (0..<3).map { Binding(mode: .route, interface: "veth\($0)", split: 64) },
            uplink: nil)
        #expect(state.routes.compactMap(\.interface) == ["veth0", "veth1"])
        #expect(problems.count == 1)
        #expect(problems.first?.bindingIndex == 2)
        #expect(problems.first?.routeID == "r3")
    }

    @Test func unmatchedRouteIsSkippedAndReported() {
        let (state, problems) = DesiredStateBuilder.build(
            routes: [Fixture.r1, Fixture.r2], bindings: [Binding(match: "r2")], uplink: nil)
        #expect(state.routes.allSatisfy { $0.routeID == "r2" })
        #expect(problems == [BindingProblem(routeID: "r1", prefix: Fixture.r1.prefix, reason: "no binding matches")])
        #expect(problems.first?.description == "route r1 (2001:db8:1000:10::/64): no binding matches")
    }

    @Test func badBindingsAreProblemsNotCrashes() {
        let (state, problems) = DesiredStateBuilder.build(
            routes: [Fixture.r1],
            bindings: [
                Binding(match: "r1", mode: .address, interface: "br0", host: .unspecified),
                Binding(match: "web", mode: .address, interface: "br0", host: Fixture.address("2001::1")),
            ],
            uplink: nil)
        // Only the first matching binding applies; its host is `::`.
        #expect(state.addresses.isEmpty)
        #expect(state.routes.map(\.type) == [.unreachable])
        #expect(problems.map(\.bindingIndex) == [0])

        let (_, outside) = DesiredStateBuilder.build(
            routes: [Fixture.r1],
            bindings: [Binding(mode: .address, interface: "br0", host: Fixture.address("2001::1"))], uplink: nil)
        #expect(outside.count == 1)

        let (_, badSplit) = DesiredStateBuilder.build(
            routes: [Fixture.r1], bindings: [Binding(mode: .anyip, split: 64)], uplink: nil)
        #expect(badSplit.count == 1)
    }

    @Test func desiredStateRoundTripsThroughCodable() throws {
        let (state, _) = DesiredStateBuilder.build(
            routes: [Fixture.r1, Fixture.r2],
            bindings: [Binding(match: "r1", mode: .address, interface: "br0", forwarding: true), Binding()],
            uplink: "eth0")
        let data = try JSONEncoder().encode(state)
        #expect(try JSONDecoder().decode(DesiredState.self, from: data) == state)
    }
}
