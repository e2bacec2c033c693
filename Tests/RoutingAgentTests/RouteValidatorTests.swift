import HostUpAPI
import IPv6Addressing
import Reconciliation
import Testing

@testable import RoutingAgent

let selfID = "vps_01hxa3b4c5d6e7f8g9h0j1k2m5"

func route(
    _ id: String, _ prefix: String, length: Int? = nil, vps: String = selfID, status: RouteStatus = .active,
    nextHop: String? = "2001:db8::10", label: String? = nil
) -> HostUpAPI.Route {
    HostUpAPI.Route(
        id: id, prefix: prefix, prefixLength: length ?? Int(prefix.split(separator: "/").last ?? "") ?? 64,
        nextHop: nextHop, label: label, vpsId: vps, status: status)
}

func document(_ routes: [HostUpAPI.Route], parent: String = "2001:db8:1000::/48") -> RoutedIPv6State {
    RoutedIPv6State(
        pools: [Pool(id: "ripv6_1", parentCidr: parent, prefixLength: 48, status: .active, routes: routes)],
        destinations: [Destination(vpsId: selfID, name: "web-01", primaryIp: "192.0.2.10", nextHop: "2001:db8::10")])
}

@Suite struct RouteValidatorTests {
    let validator = RouteValidator(vpsID: selfID, uplinkPrefixes: [try! IPv6Prefix("2001:db8::/64")])

    @Test func acceptsSoundRoutesOfThisVPSOnly() throws {
        let outcome = validator.validate(
            document([
                route("r1", "2001:db8:1000:10::/64", label: "web"),
                route("r2", "2001:db8:1000:100::/56"),
                route("r3", "2001:db8:1000:20::/64", vps: "vps_other"),
                route("r4", "2001:db8:1000:30::/64", status: RouteStatus(rawValue: "pending")),
            ]))
        #expect(outcome.refusals.isEmpty)
        #expect(outcome.routes.map(\.id) == ["r1", "r2"])
        #expect(outcome.routes[0].prefix == (try IPv6Prefix("2001:db8:1000:10::/64")))
        #expect(outcome.routes[0].label == "web")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var rule: String
        var routes: [HostUpAPI.Route]
        var parent: String = "2001:db8:1000::/48"
        var reason: String
        var testDescription: String { rule }
    }

    @Test(arguments: [
        Case(rule: "does not parse", routes: [route("bad", "2001:db8:1000:zz::/64")], reason: "does not parse"),
        Case(rule: "host bits", routes: [route("bad", "2001:db8:1000:10::1/64")], reason: "host bits"),
        Case(rule: "length differs", routes: [route("bad", "2001:db8:1000:10::/64", length: 56)], reason: "prefixLength says 56"),
        Case(rule: "not 48/56/64", routes: [route("bad", "2001:db8:1000:10::/60")], reason: "not a routable length"),
        Case(rule: "outside parent", routes: [route("bad", "2001:db8:2000:10::/64")], reason: "parentCidr"),
        Case(rule: "parent unparseable", routes: [route("bad", "2001:db8:1000:10::/64")], parent: "nonsense", reason: "does not parse"),
        Case(
            rule: "pool not global unicast", routes: [route("bad", "fd00:1000:0:10::/64")], parent: "fd00:1000::/48",
            reason: "parentCidr fd00:1000::/48 is not a /48 inside 2000::/3"),
        // A pool that is not a /48 would let the API route any part of the internet here (anyip makes it local).
        Case(
            rule: "pool 2000::/3", routes: [route("bad", "2606:4700:4700::/48")], parent: "2000::/3",
            reason: "parentCidr 2000::/3 is not a /48 inside 2000::/3"),
        Case(
            rule: "pool ::/0", routes: [route("bad", "2606:4700:4700::/48")], parent: "::/0",
            reason: "parentCidr ::/0 is not a /48"),
        Case(
            rule: "pool /32", routes: [route("bad", "2001:db8:1000:10::/64")], parent: "2001:db8::/32",
            reason: "parentCidr 2001:db8::/32 is not a /48"),
        Case(
            rule: "pool /56", routes: [route("bad", "2001:db8:1000:10::/64")], parent: "2001:db8:1000::/56",
            reason: "is not a /48"),
        Case(
            rule: "pool link-local", routes: [route("bad", "fe80:0:0:10::/64")], parent: "fe80::/48",
            reason: "is not a /48 inside 2000::/3"),
        Case(
            rule: "overlaps uplink", routes: [route("bad", "2001:db8::/48", nextHop: "2001:db8:ffff::1")],
            parent: "2001:db8::/48", reason: "uplink"),
        Case(
            rule: "contains nextHop", routes: [route("bad", "2001:db8:1000:10::/64", nextHop: "2001:db8:1000:10::10")],
            reason: "nextHop"),
    ])
    func refusesEachRule(_ testCase: Case) throws {
        let defaultParent = testCase.parent == "2001:db8:1000::/48"
        let good = defaultParent ? [route("good", "2001:db8:1000:ff00::/56")] : []
        let outcome = validator.validate(document(testCase.routes + good, parent: testCase.parent))
        let refusal = try #require(outcome.refusals.first)
        #expect(outcome.refusals.count == 1)
        #expect(refusal.routeID == "bad")
        #expect(refusal.reason.contains(testCase.reason), "\(refusal)")
        if defaultParent {
            #expect(outcome.routes.map(\.id) == ["good"], "the other routes still apply")
        }
    }

    /// A prefix bound anyip becomes a local route: one that contains the default gateway, an address of the
    /// uplink or of the API host would cut the VPS off from its router or its API.
    @Test(arguments: [
        ("2001:db8:1000:10::1", "the default gateway"), ("2001:db8:1000:10::5", "an address of the uplink eth0"),
        ("2001:db8:1000:10::443", "an address of the API host cloud.hostup.se"),
    ])
    func refusesPrefixesThatContainProtectedAddresses(address: String, role: String) throws {
        let protected = RouteValidator(
            vpsID: selfID, uplinkPrefixes: [],
            protectedAddresses: [.init(try IPv6Address(address), role: role)])
        let outcome = protected.validate(
            document([route("bad", "2001:db8:1000:10::/64"), route("good", "2001:db8:1000:20::/64")]))
        #expect(outcome.routes.map(\.id) == ["good"])
        let refusal = try #require(outcome.refusals.first)
        #expect(refusal.routeID == "bad")
        #expect(refusal.reason.contains("contains \(role) (\(address))"))
    }

    @Test func theAPIHostsAddressesAreLookedUpWithinABound() async {
        #expect(await APIEndpoint.ipv6Addresses(of: "https://[2001:db8::443]/", patience: .milliseconds(10)) == [try! IPv6Address("2001:db8::443")])
        // A name: looked up on a thread of its own; the answer (here from /etc/hosts or nothing) is cached.
        let first = await APIEndpoint.ipv6Addresses(of: "http://localhost:8080", patience: .seconds(5))
        #expect(first.allSatisfy { $0 == .loopback })
        #expect(await APIEndpoint.ipv6Addresses(of: "http://localhost:8080", patience: .zero) == first)
        // An IPv4 literal has no IPv6 address and is not looked up.
        #expect(await APIEndpoint.ipv6Addresses(of: "http://127.0.0.1:8080", patience: .seconds(5)) == [])
        // Several waiting for the same lookup are all woken by it.
        let names = ["http://ip6-localhost:1", "http://ip6-localhost:2", "http://ip6-localhost:3"]
        let answers = await withTaskGroup(of: [IPv6Address].self) { group in
            for name in names { group.addTask { await APIEndpoint.ipv6Addresses(of: name, patience: .seconds(5)) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 3)
        #expect(Set(answers.map { $0.count }).count == 1, "the same host gets the same answer")
    }

    @Test func theAPIHostsAddressesAreResolved() {
        #expect(APIEndpoint.ipv6Addresses(of: "https://[2001:db8::443]:8443/x") == [try! IPv6Address("2001:db8::443")])
        #expect(APIEndpoint.ipv6Addresses(of: "http://127.0.0.1:8080") == [])
        #expect(APIEndpoint.ipv6Addresses(of: "http://localhost") .allSatisfy { $0 == .loopback })
        #expect(APIEndpoint.host(of: "https://cloud.hostup.se/api") == "cloud.hostup.se")
    }

    @Test func overlappingRoutesAreBothRefused() {
        let outcome = validator.validate(
            document([
                route("a", "2001:db8:1000:100::/56"), route("b", "2001:db8:1000:101::/64"),
                route("c", "2001:db8:1000:10::/64"),
            ]))
        #expect(Set(outcome.refusals.map(\.routeID)) == ["a", "b"])
        #expect(outcome.routes.map(\.id) == ["c"])
        #expect(outcome.refusals.allSatisfy { $0.reason.contains("overlaps route") })
    }

    @Test func duplicateAndEmptyIDsAreRefused() {
        let outcome = validator.validate(
            document([
                route("dup", "2001:db8:1000:10::/64"), route("dup", "2001:db8:1000:20::/64"),
                route("", "2001:db8:1000:30::/64"), route("ok", "2001:db8:1000:40::/64"),
            ]))
        #expect(outcome.routes.map(\.id) == ["ok"])
        #expect(outcome.refusals.map(\.reason) == ["its id is used by several routes", "its id is used by several routes", "has an empty id"])
    }

    @Test func overlapWithAnotherVPSRouteIsRefused() {
        let outcome = validator.validate(
            document([route("mine", "2001:db8:1000:10::/64"), route("theirs", "2001:db8:1000::/56", vps: "vps_other")]))
        #expect(outcome.refusals.map(\.routeID) == ["mine"])
    }
}

@Suite struct IdentityResolverTests {
    let local = IdentityResolver.LocalAddresses(ipv6: [try! IPv6Address("2001:db8::10")], ipv4: ["198.51.100.7"])

    @Test func configuredWins() throws {
        #expect(try IdentityResolver.resolve(configured: "vps_x", document: document([]), local: local) == "vps_x")
    }

    @Test func detectsByNextHopOrPrimaryIP() throws {
        #expect(try IdentityResolver.resolve(configured: nil, document: document([]), local: local) == selfID)
        var byIPv4 = document([])
        byIPv4.destinations = [
            Destination(vpsId: "vps_a", name: "a", primaryIp: "198.51.100.7", nextHop: "2001:db8::99"),
            Destination(vpsId: "vps_b", name: "b", primaryIp: "198.51.100.8", nextHop: nil),
        ]
        #expect(try IdentityResolver.resolve(configured: nil, document: byIPv4, local: local) == "vps_a")
    }

    @Test func noneOrSeveralNameTheCandidates() {
        var none = document([])
        none.destinations = [Destination(vpsId: "vps_far", name: "far", primaryIp: "203.0.113.1", nextHop: "2001:db8::77")]
        #expect {
            try IdentityResolver.resolve(configured: nil, document: none, local: local)
        } throws: { error in
            "\(error)".contains("vps_far") && "\(error)".contains("no destination")
        }
        var several = document([])
        several.destinations = [
            Destination(vpsId: "vps_a", primaryIp: "198.51.100.7"), Destination(vpsId: "vps_b", nextHop: "2001:db8::10"),
        ]
        #expect {
            try IdentityResolver.resolve(configured: nil, document: several, local: local)
        } throws: { error in
            "\(error)".contains("vps_a") && "\(error)".contains("vps_b") && "\(error)".contains("several")
        }
    }
}

@Suite struct OverlapSweepTests {
    /// The sweep finds exactly the routes that overlap another id's route, as comparing every pair does.
    @Test func theSweepAgreesWithComparingEveryPair() throws {
        var generator = SplitMix64(state: 7)
        for _ in 0..<200 {
            var all: [(id: String, prefix: IPv6Prefix)] = []
            for index in 0..<Int.random(in: 1...40, using: &generator) {
                let length = [48, 52, 56, 60, 64].randomElement(using: &generator)!
                let high = 0x2001_0db8_1000_0000 | UInt64.random(in: 0...0xff, using: &generator) << 8
                let prefix = try IPv6Prefix(masking: IPv6Address(high: high, low: 0), length: length)
                // Now and then the same id twice: those are not overlaps of each other.
                all.append((Bool.random(using: &generator) && index > 0 ? all[index - 1].id : "r\(index)", prefix))
            }
            let found = RouteValidator.overlaps(all)
            for route in all {
                let others = all.filter { $0.id != route.id && $0.prefix.overlaps(route.prefix) }
                if let partner = found[route.id] {
                    #expect(partner.id != route.id)
                    #expect(all.contains { $0.id == route.id && $0.prefix.overlaps(partner.prefix) })
                } else {
                    #expect(others.isEmpty, "\(route.id) \(route.prefix) overlaps \(others.map(\.id))")
                }
            }
        }
    }
}

