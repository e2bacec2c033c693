import HostUpAPI
import IPv6Addressing
import Netlink
import Reconciliation
import Testing

@testable import RoutingAgent

/// The judgements of `doctor` on facts as the kernel reports them: each fault and its healthy twin.
@Suite struct DoctorChecksTests {
    static let lo = Link(ifindex: 1, name: "lo", isUp: true, isLowerUp: true, isLoopback: true)
    static let eth0 = Link(ifindex: 2, name: "eth0", isUp: true, isLowerUp: true, kind: "veth")
    static let br0 = Link(ifindex: 3, name: "br0", isUp: true, isLowerUp: true, kind: "bridge")
    static let nextHop = try! IPv6Address("2001:db8::10")
    static let gateway = try! IPv6Address("fe80::1")

    static func defaultRoute(_ origin: RouteProtocol) -> Netlink.Route {
        Netlink.Route(
            destination: try! IPv6Prefix("::/0"), routeProtocol: origin, outputInterface: 2, gateway: gateway,
            metric: 1024)
    }

    /// A healthy VPS: eth0 with the nextHop and an RA default route, br0 with IPv6, forwarding on, accept_ra 2.
    static func healthy() -> HostFacts {
        HostFacts(
            observed: ObservedState(
                links: [lo, eth0, br0],
                addresses: [
                    InterfaceAddress(ifindex: 2, address: nextHop, prefixLength: 64, flags: [.permanent, .nodad])
                ],
                routes: [defaultRoute(.ra)]),
            allForwarding: 1, acceptRA: ["lo": 1, "eth0": 2, "br0": 1],
            disableIPv6: ["lo": 0, "eth0": 0, "br0": 0])
    }

    @Test func healthyHostHasNoFindings() {
        let facts = Self.healthy()
        let uplink = DoctorChecks.uplink("eth0", facts: facts)
        #expect(uplink.findings.isEmpty)
        #expect(uplink.detail == "eth0: default via fe80::1, from router advertisements (proto ra)")
        #expect(DoctorChecks.forwarding(uplink: "eth0", facts: facts, bindingsForward: true).findings.isEmpty)
        #expect(DoctorChecks.nextHop("2001:db8::10", uplink: "eth0", facts: facts).findings.isEmpty)
        let binding = Binding(match: "*", mode: .address, interface: "br0", forwarding: true)
        #expect(DoctorChecks.bindings([binding], facts: facts).findings.isEmpty)
    }

    @Test func staticDefaultRouteIsNamedAsSuch() {
        var facts = Self.healthy()
        facts.observed.routes = [Self.defaultRoute(.static)]
        #expect(DoctorChecks.uplink("eth0", facts: facts).detail == "eth0: default via fe80::1, static (proto static)")
    }

    @Test func noDefaultRouteOrNoUplinkIsAProblem() {
        var facts = Self.healthy()
        facts.observed.routes = []
        #expect(DoctorChecks.uplink("eth0", facts: facts).findings.map(\.severity) == [.problem])
        #expect(DoctorChecks.uplink(nil, facts: facts).findings.map(\.severity) == [.problem])
        #expect(DoctorChecks.uplink("eth9", facts: facts).findings.map(\.subject) == ["eth9"])
    }

    @Test func forwardingWithAcceptRAOneOnAnRAUplinkIsTheLockout() {
        var facts = Self.healthy()
        facts.acceptRA["eth0"] = 1
        let findings = DoctorChecks.forwarding(uplink: "eth0", facts: facts, bindingsForward: true).findings
        #expect(findings.count == 1)
        #expect(findings.first?.remedy == "sysctl -w net.ipv6.conf.eth0.accept_ra=2")
        // A static default route does not depend on router advertisements.
        facts.observed.routes = [Self.defaultRoute(.static)]
        #expect(DoctorChecks.forwarding(uplink: "eth0", facts: facts, bindingsForward: true).findings.isEmpty)
        // systemd-networkd handles RAs itself and ignores accept_ra.
        facts.observed.routes = [Self.defaultRoute(.ra)]
        facts.networkdManaged = ["eth0"]
        #expect(DoctorChecks.forwarding(uplink: "eth0", facts: facts, bindingsForward: true).findings.isEmpty)
    }

    @Test func forwardingBindingWithForwardingOffIsAProblem() {
        var facts = Self.healthy()
        facts.allForwarding = 0
        #expect(DoctorChecks.forwarding(uplink: "eth0", facts: facts, bindingsForward: true).findings.count == 1)
        #expect(DoctorChecks.forwarding(uplink: "eth0", facts: facts, bindingsForward: false).findings.isEmpty)
    }

    @Test func nextHopMissingOrOnAnotherInterfaceOrDADFailed() {
        var facts = Self.healthy()
        facts.observed.addresses = []
        #expect(DoctorChecks.nextHop("2001:db8::10", uplink: "eth0", facts: facts).findings.first?.message.contains("no interface has it") == true)
        facts.observed.addresses = [InterfaceAddress(ifindex: 3, address: Self.nextHop, prefixLength: 64)]
        #expect(DoctorChecks.nextHop("2001:db8::10", uplink: "eth0", facts: facts).findings.first?.message.contains("not on the uplink eth0") == true)
        facts.observed.addresses = [InterfaceAddress(ifindex: 2, address: Self.nextHop, prefixLength: 64, flags: [.dadFailed, .tentative])]
        let dad = DoctorChecks.nextHop("2001:db8::10", uplink: "eth0", facts: facts).findings.first
        #expect(dad?.message.contains("duplicate address detection failed") == true)
        // The nextHop is the admin's, not the agent's: deleted, it must be added again (sync would not).
        #expect(dad?.remedy?.hasSuffix("ip -6 addr del 2001:db8::10/64 dev eth0 && ip -6 addr add 2001:db8::10/64 dev eth0") == true, "\(dad?.remedy ?? "")")
    }

    @Test func bindingInterfaceMissingOrIPv6Disabled() {
        var facts = Self.healthy()
        let binding = Binding(match: "containers", mode: .address, interface: "br0", forwarding: true)
        facts.disableIPv6["br0"] = 1
        #expect(DoctorChecks.bindings([binding], facts: facts).findings.map(\.remedy) == ["sysctl -w net.ipv6.conf.br0.disable_ipv6=0"])
        // Below IPv6's minimum MTU the kernel removes IPv6 from the link: no disable_ipv6 at all, and the MTU is why.
        facts.disableIPv6["br0"] = nil
        facts.mtu["br0"] = 1200
        let mtu = DoctorChecks.bindings([binding], facts: facts).findings
        #expect(mtu.map(\.remedy) == ["ip link set br0 mtu 1280 (or more)"])
        #expect(mtu.first?.message.hasPrefix("the MTU 1200 is below IPv6's minimum of 1280") == true)
        facts.observed.links.removeAll { $0.name == "br0" }
        #expect(DoctorChecks.bindings([binding], facts: facts).findings.first?.message.contains("does not exist") == true)
    }

    /// The uplink's MTU below 1280: IPv6, its default route and the nextHop are gone; the MTU is named as the cause,
    /// known uplink or not, and the nextHop is not blamed.
    @Test func anUplinkMTUBelow1280IsTheCause() {
        var facts = Self.healthy()
        facts.disableIPv6["eth0"] = nil
        facts.mtu["eth0"] = 1200
        facts.observed.routes = []
        facts.observed.addresses = []
        for uplink in ["eth0", nil] as [String?] {
            let found = DoctorChecks.uplink(uplink, facts: facts).findings
            #expect(found.map(\.subject) == ["eth0"])
            #expect(found.first?.remedy == "ip link set eth0 mtu 1280 (or more)")
        }
        #expect(DoctorChecks.nextHop("2001:db8::10", uplink: "eth0", facts: facts).findings.isEmpty)
    }

    /// A bound interface that is down: a problem when the routes' objects are on it (the kernel dropped its routes),
    /// a warning otherwise.
    @Test func aDownInterfaceTheRoutesUseIsAProblem() {
        var facts = Self.healthy()
        facts.observed.links[2].isUp = false
        let binding = Binding(match: "containers", mode: .address, interface: "br0", forwarding: true)
        #expect(DoctorChecks.bindings([binding], facts: facts).findings.map(\.severity) == [.warning])
        let used = DoctorChecks.bindings([binding], facts: facts, used: ["br0"]).findings
        #expect(used.map(\.severity) == [.problem])
        #expect(used.first?.message.contains("unreachable") == true)
    }

    /// A route made by hand for exactly the prefix, with a lower metric through another interface, takes the traffic
    /// from the agent's path; one with a higher metric, the agent's own, or a more specific one does not.
    @Test func aPreferredRouteMadeByHandShadowsThePrefix() throws {
        let prefix = try IPv6Prefix("2001:db8:1000:10::/64")
        let host = try IPv6Address("2001:db8:1000:10::1")
        let address = DesiredState(addresses: [DesiredAddress(interface: "br0", address: host, prefixLength: 64)])
        let route = DesiredState(routes: [DesiredRoute(destination: prefix, interface: "br0", metric: 1024)])
        var facts = Self.healthy()
        let hand = Netlink.Route(
            destination: prefix, routeProtocol: .static, outputInterface: 2, gateway: try IPv6Address("2001:db8::1"),
            metric: 100)
        facts.observed.routes.append(hand)
        for desired in [address, route] {
            let found = DoctorChecks.shadowed(desired: desired, facts: facts)
            #expect(found.map(\.severity) == [.problem])
            #expect(found.first?.message.hasPrefix("a route made by someone else, 2001:db8:1000:10::/64 via 2001:db8::1 dev eth0 proto static metric 100, is preferred to the agent's path through br0") == true, "\(found)")
            #expect(found.first?.remedy == "if it is not meant: ip -6 route del 2001:db8:1000:10::/64 via 2001:db8::1 dev eth0 proto static metric 100")
        }
        var higher = hand
        higher.metric = 2048
        facts.observed.routes[1] = higher
        #expect(DoctorChecks.shadowed(desired: address, facts: facts).isEmpty, "a higher metric is not preferred")
        var specific = hand
        specific.destination = try IPv6Prefix("2001:db8:1000:10:1::/80")
        facts.observed.routes[1] = specific
        #expect(DoctorChecks.shadowed(desired: route, facts: facts).isEmpty, "routes inside the prefix are the admin's own")
        // Inside the prefix, out through the uplink: that part goes back to the provider (a loop), a problem; to
        // another interface of the VPS, the admin's own subnetting.
        #expect(DoctorChecks.shadowed(desired: route, facts: facts, uplink: "eth0").map(\.message) == [
            "a route made by someone else for a part of it, 2001:db8:1000:10:1::/80 via 2001:db8::1 dev eth0 proto static metric 100, sends that part back out through the uplink eth0: the provider routes it here again, so it is unreachable"
        ])
        specific.outputInterface = 3
        specific.gateway = nil
        facts.observed.routes[1] = specific
        #expect(DoctorChecks.shadowed(desired: route, facts: facts, uplink: "eth0").isEmpty)
        var ours = hand
        ours.routeProtocol = .hostup
        facts.observed.routes[1] = ours
        #expect(DoctorChecks.shadowed(desired: route, facts: facts).isEmpty)
    }

    @Test func routeObjectsPresentOwnedAndUsable() throws {
        let prefix = try IPv6Prefix("2001:db8:1000:2::/64")
        let host = try IPv6Address("2001:db8:1000:2::1")
        let desired = DesiredState(
            addresses: [DesiredAddress(interface: "br0", address: host, prefixLength: 64)],
            routes: [DesiredRoute(destination: prefix, type: .unreachable, metric: UInt32.max)])
        var facts = Self.healthy()
        // Missing: both objects.
        #expect(DoctorChecks.routes(desired: desired, ownership: OwnershipRecord(), facts: facts).findings.map(\.severity) == [.problem, .problem])
        // Present and owned: nothing to say.
        facts.observed.addresses.append(
            InterfaceAddress(ifindex: 3, address: host, prefixLength: 64, flags: [.nodad, .permanent], addressProtocol: .hostup))
        facts.observed.routes.append(
            Netlink.Route(destination: prefix, type: .unreachable, outputInterface: 1, metric: UInt32.max))
        #expect(DoctorChecks.routes(desired: desired, ownership: OwnershipRecord(), facts: facts).findings.isEmpty)
        // dadfailed.
        facts.observed.addresses[1].flags = [.dadFailed, .tentative]
        let dad = DoctorChecks.routes(desired: desired, ownership: OwnershipRecord(), facts: facts).findings
        #expect(dad.map(\.severity) == [.problem])
        #expect(dad.first?.message.contains("duplicate address detection failed") == true)
        // Made by hand, without IFA_PROTO, not recorded: a warning; recorded in the state file (older kernels): fine.
        facts.observed.addresses[1].flags = [.permanent]
        facts.observed.addresses[1].addressProtocol = nil
        #expect(DoctorChecks.routes(desired: desired, ownership: OwnershipRecord(), facts: facts).findings.map(\.severity) == [.warning])
        let recorded = OwnershipRecord(addresses: [OwnedAddress(interface: "br0", address: host, prefixLength: 64)])
        #expect(DoctorChecks.routes(desired: desired, ownership: recorded, facts: facts).findings.isEmpty)
    }

    @Test(arguments: [(0, true), (60, true), (-60, true), (61, false), (-3600, false)])
    func clockSkewAboveSixtySecondsIsAProblem(skew: Int64, fine: Bool) {
        let outcome = DoctorChecks.clock(local: 1_800_000_000 + skew, server: 1_800_000_000)
        #expect(outcome.findings.isEmpty == fine)
    }

    @Test func tokenFileModeAndOwner() {
        #expect(DoctorChecks.tokenFile(path: "/etc/hostup-routed/token", owner: 0, mode: 0o100600).isEmpty)
        #expect(DoctorChecks.tokenFile(path: "/etc/hostup-routed/token", owner: 0, mode: 0o100400).isEmpty)
        let open = DoctorChecks.tokenFile(path: "/etc/hostup-routed/token", owner: 0, mode: 0o100644)
        #expect(open.map(\.remedy) == ["chmod 600 /etc/hostup-routed/token"])
        #expect(open.first?.message.contains("0644") == true)
        #expect(DoctorChecks.tokenFile(path: "/t", owner: 1000, mode: 0o100600).map(\.remedy) == ["chown root:root /t"])
    }

    @Test func identityNamesTheMatchAndWhy() throws {
        let doc = document([])
        let local = IdentityResolver.LocalAddresses(ipv6: [Self.nextHop], ipv4: [])
        let (found, destination) = DoctorChecks.identity(configured: nil, document: doc, local: local)
        #expect(destination?.vpsId == selfID)
        #expect(found.detail == "\(selfID) (web-01): its nextHop 2001:db8::10 is assigned to a local interface")
        let (none, _) = DoctorChecks.identity(configured: nil, document: doc, local: .init(ipv6: [], ipv4: []))
        #expect(none.findings.first?.message.contains("candidates") == true)
        let (unknown, _) = DoctorChecks.identity(configured: "vps_other", document: doc, local: local)
        #expect(unknown.findings.first?.subject == "vps_other")
    }

    @Test func reportIsHealthyUnlessAProblemAndSaysSo() throws {
        let warning = DoctorFinding(.routes, .warning, subject: "x", "made by hand")
        let report = DoctorReport(checks: [(.token, "from HOSTUP_API_TOKEN"), (.routes, nil)], findings: [warning])
        #expect(report.healthy)
        #expect(report.checks.map(\.status) == ["ok", "warning"])
        #expect(report.summary == "doctor: 2 checks, 1 warning")
        let sick = DoctorReport(
            checks: [(.forwardPolicy, nil)], findings: DoctorChecks.forwardPolicy([.init(chain: "ip6tables-legacy filter FORWARD", interfaces: ["br0"])]))
        #expect(!sick.healthy)
        #expect(sick.findings.first?.remedy == "ip6tables-legacy -I FORWARD -o br0 -j ACCEPT; ip6tables-legacy -I FORWARD -i br0 -j ACCEPT")
        #expect(sick.summary == "doctor: 1 check, 1 problem")
        let json = try sick.json()
        #expect(json.contains("\"check\" : \"forward-policy\""))
        #expect(json.contains("\"healthy\" : false"))
    }

    /// Each kind of API failure: one line in words (no `httpStatus:`-style code names), with a remedy of its kind.
    @Test(arguments: [
        (HostUpAPIError(code: .unauthorized, message: "GET /x: 401 Unauthorized: the API token is missing", status: 401), "the API refuses the token from token_file /t", "write it to /t"),
        (HostUpAPIError(code: .rateLimited, message: "GET /x: 429 Too Many Requests: rate limited", status: 429, retryAfter: .seconds(7)), "the API rate-limits this token", "wait 7 s"),
        (HostUpAPIError(code: .notFound, message: "GET /x: 404 Not Found: no such resource", status: 404), "no routed-IPv6 endpoint", "check api_url"),
        (HostUpAPIError(code: .httpStatus, message: "GET /x: 502 Bad Gateway: server error; retry later\n  more", status: 502), "the API has a fault: ", "retry later"),
        (HostUpAPIError(code: .httpStatus, message: "GET /x: 400 Bad Request: the request was rejected", status: 400), "the API refuses the request", "check api_url"),
        (HostUpAPIError(code: .decoding, message: "GET /x: the answer does not decode: pools: missing"), "not a routed-IPv6 state document", "update hostup-routed"),
        (HostUpAPIError(code: .insecureURL, message: "http://api.example is not https"), "is not https", "use https://"),
    ])
    func anAPIFailureIsOneLineInWordsWithARemedy(error: HostUpAPIError, message: String, remedy: String) {
        let finding = DoctorChecks.apiFailure(error, tokenSource: "token_file /t", tokenFile: "/t", https: true)
        #expect(finding.severity == .problem)
        #expect(finding.message.contains(message))
        #expect(finding.remedy?.contains(remedy) == true)
        #expect(!finding.line.contains("\n"))
        #expect(!finding.line.contains("\(error.code):"))
    }
}

