import HostUpAPI
import IPv6Addressing
import Netlink
import Reconciliation

/// The judgements of `hostup-routed doctor`: pure functions from what was read to findings, each with what to do.
///
/// Every function returns the check's `detail` (what it saw when all is well, `nil` for nothing to add) and its
/// findings; an empty list means the check passed.
public enum DoctorChecks {
    /// The result of one check.
    public typealias Outcome = (detail: String?, findings: [DoctorFinding])

    /// The largest difference between the local clock and the API's `Date` header that is not a finding, in
    /// seconds. Beyond it TLS certificates may look not yet valid or expired, and the logs' times mislead.
    public static let maximumClockSkewSeconds: Int64 = 60

    // MARK: Token

    /// A token file must be owned by root and have no group or other permission bits (0600 or 0400); the agent
    /// skips one that is not.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - owner: Its owner's uid.
    ///   - mode: Its `st_mode`.
    public static func tokenFile(path: String, owner: UInt32, mode: UInt32) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        if owner != 0 {
            findings.append(
                DoctorFinding(
                    .token, .problem, subject: path, "owned by uid \(owner), not root: the agent does not use it",
                    remedy: "chown root:root \(path)"))
        }
        if mode & 0o077 != 0 {
            findings.append(
                DoctorFinding(
                    .token, .problem, subject: path,
                    "mode 0\(String(mode & 0o777, radix: 8)) lets others read the token: the agent does not use it",
                    remedy: "chmod 600 \(path)"))
        }
        return findings
    }

    // MARK: API

    /// The one finding for a failed `GET /api/v2/routed-ipv6`: the error in words, on one line (the problem
    /// document's detail appended), with what to do for its kind.
    ///
    /// - Parameters:
    ///   - error: The client's error.
    ///   - tokenSource: Where the token came from (``APIToken/source``).
    ///   - tokenFile: The token file the agent reads (`token_file`, else ``APIToken/defaultTokenFile``).
    ///   - https: Whether `api_url` is `https://`.
    public static func apiFailure(
        _ error: HostUpAPIError, tokenSource: String, tokenFile: String, https: Bool
    ) -> DoctorFinding {
        let line = error.sentence
        let finding = { (text: String, remedy: String) in DoctorFinding(.api, .problem, text, remedy: remedy) }
        switch error.code {
        case .unauthorized:
            return finding(
                "the API refuses the token from \(tokenSource): \(line)",
                "create a new token in the HostUp panel and write it to \(tokenFile)")
        case .forbidden:
            return finding(
                "the token from \(tokenSource) lacks a scope: \(line)",
                "give the token the scopes read:network and read:vm (write:network for routes and pool commands)")
        case .transport where https:
            return finding(
                "TCP connects, but the HTTPS request fails: \(line)",
                "check the clock (TLS certificates), the CA store (apt-get install ca-certificates) and a proxy")
        case .transport:
            return finding("TCP connects, but the request fails: \(line)", "check api_url in the config and a proxy")
        case .rateLimited:
            let wait = error.retryAfter.map { "\($0.components.seconds) s" } ?? "a minute"
            return finding("the API rate-limits this token: \(line)", "wait \(wait) and run doctor again")
        case .notFound:
            return finding(
                "the API has no routed-IPv6 endpoint at this URL: \(line)",
                "check api_url in the config (the HostUp API, without /api/v2)")
        case .decoding:
            return finding(
                "the API's answer is not a routed-IPv6 state document: \(line)",
                "check api_url in the config; if it is the HostUp API, update hostup-routed")
        case .insecureURL:
            return finding("\(line)", "use https:// in api_url (plain http is allowed to loopback only)")
        default:
            if let status = error.status, status >= 500 {
                return finding(
                    "the API has a fault: \(line)",
                    "retry later (the daemon retries on its own); if it lasts, contact HostUp support")
            }
            return finding("the API refuses the request: \(line)", "check api_url in the config")
        }
    }

    // MARK: Clock

    /// Compares the local clock with the server's `Date` header (both seconds since the epoch).
    public static func clock(local: Int64, server: Int64?) -> Outcome {
        guard let server else {
            return ("the API sent no Date header", [])
        }
        let skew = local - server
        let text = "\(skew >= 0 ? "+" : "")\(skew) s against the API's Date header"
        guard abs(skew) > maximumClockSkewSeconds else { return ("local clock \(text)", []) }
        return (
            nil,
            [
                DoctorFinding(
                    .clock, .problem,
                    "the local clock is \(abs(skew)) s \(skew > 0 ? "ahead of" : "behind") the API's (more than \(maximumClockSkewSeconds) s): TLS certificates may be refused and log times mislead",
                    remedy: "synchronise the clock (timedatectl set-ntp true; timedatectl status)")
            ]
        )
    }

    // MARK: Identity

    /// Which destination of the API's document is this VPS, and why: the configured `vps_id`, else the single
    /// destination whose `nextHop` or `primaryIp` is assigned here (``IdentityResolver``).
    ///
    /// - Returns: The outcome and the destination, when one is this VPS.
    public static func identity(
        configured: String?, document: RoutedIPv6State, local: IdentityResolver.LocalAddresses
    ) -> (outcome: Outcome, destination: Destination?) {
        let destinations = document.destinations ?? []
        let vpsID: String
        do {
            vpsID = try IdentityResolver.resolve(configured: configured, document: document, local: local)
        } catch {
            return ((nil, [DoctorFinding(.identity, .problem, "\(error)", remedy: "set vps_id in the config")]), nil)
        }
        guard let destination = destinations.first(where: { $0.vpsId == vpsID }) else {
            let known = destinations.map(\.vpsId).joined(separator: ", ")
            return (
                (
                    nil,
                    [
                        DoctorFinding(
                            .identity, .problem, subject: vpsID,
                            "vps_id from the config is not among the API's destinations (\(known.isEmpty ? "none" : known)): no route can reach this VPS",
                            remedy: "fix vps_id in the config, or remove it to detect the VPS")
                    ]
                ), nil
            )
        }
        let name = destination.name.map { " (\($0))" } ?? ""
        if configured != nil { return (("\(vpsID)\(name): vps_id from the config", []), destination) }
        let why: String
        if let text = destination.nextHop, let hop = try? IPv6Address(text), local.ipv6.contains(hop) {
            why = "its nextHop \(hop) is assigned to a local interface"
        } else {
            why = "its primaryIp \(destination.primaryIp ?? "?") is assigned to a local interface"
        }
        return (("\(vpsID)\(name): \(why)", []), destination)
    }

    // MARK: Uplink

    /// The uplink exists, is up, and has an IPv6 default route; the detail says where that route came from.
    public static func uplink(_ uplink: String?, facts: HostFacts) -> Outcome {
        guard let uplink else {
            // An MTU below 1280 takes IPv6, and so the default route, off a link: name it, it is the cause.
            let tooSmall = facts.observed.links.filter { !$0.isLoopback && mtuBelowIPv6Minimum($0.name, facts: facts) != nil }
            if let link = tooSmall.first, let mtu = mtuBelowIPv6Minimum(link.name, facts: facts) {
                return (nil, [mtuFinding(.uplink, link.name, mtu: mtu)])
            }
            return (
                nil,
                [
                    DoctorFinding(
                        .uplink, .problem,
                        "no uplink: there is no IPv6 default route and the config sets no uplink",
                        remedy: "check that the provider's router advertisements arrive (accept_ra) or add the default route; set uplink = \"IFNAME\" in the config")
                ]
            )
        }
        guard let link = facts.observed.link(named: uplink) else {
            return (
                nil,
                [
                    DoctorFinding(
                        .uplink, .problem, subject: uplink, "the uplink does not exist",
                        remedy: "set uplink in the config to the interface of the IPv6 default route (ip -6 route show default)")
                ]
            )
        }
        if let mtu = mtuBelowIPv6Minimum(uplink, facts: facts) {
            return (nil, [mtuFinding(.uplink, uplink, mtu: mtu)])
        }
        var findings: [DoctorFinding] = []
        if !link.isUp {
            findings.append(
                DoctorFinding(.uplink, .problem, subject: uplink, "the uplink is down", remedy: "ip link set \(uplink) up"))
        }
        guard let route = facts.defaultRoutes(on: uplink).first else {
            findings.append(
                DoctorFinding(
                    .uplink, .problem, subject: uplink, "no IPv6 default route leaves through the uplink",
                    remedy: "check the router advertisements (accept_ra, ip -6 route show proto ra) or add a static default route"))
            return (nil, findings)
        }
        let via = route.gateway.map { " via \($0)" } ?? ""
        let origin: String
        switch route.routeProtocol {
        case .ra: origin = "from router advertisements (proto ra)"
        case .static, .boot: origin = "static (proto \(route.routeProtocol))"
        default: origin = "proto \(route.routeProtocol)"
        }
        return ("\(uplink): default\(via), \(origin)", findings)
    }

    /// The lockout rule: with `all.forwarding=1` the kernel ignores router advertisements on an interface whose
    /// `accept_ra` is not 2 (`ipv6_accept_ra()` in net/ipv6/ndisc.c), so an uplink whose default route comes from
    /// RAs loses it for good when it expires or its router restarts. Also: a binding that forwards needs
    /// `all.forwarding=1`.
    ///
    /// - Parameter bindingsForward: Whether any binding of the config has `forwarding = true`.
    public static func forwarding(uplink: String?, facts: HostFacts, bindingsForward: Bool) -> Outcome {
        var findings: [DoctorFinding] = []
        let forwarding = facts.allForwarding ?? 0
        if bindingsForward && forwarding != 1 {
            findings.append(
                DoctorFinding(
                    .forwarding, .problem,
                    "a binding forwards, but net.ipv6.conf.all.forwarding is \(forwarding): nothing is routed on to it",
                    remedy: "hostup-routed sync (or systemctl restart hostup-routed)"))
        }
        guard let uplink, facts.observed.link(named: uplink) != nil else { return (nil, findings) }
        let acceptRA = facts.acceptRA[uplink]
        if facts.networkdManaged.contains(uplink) {
            return ("forwarding=\(forwarding); systemd-networkd handles router advertisements on \(uplink)", findings)
        }
        let fromRA = facts.defaultRoutes(on: uplink).first.map { $0.routeProtocol == .ra } ?? true
        if forwarding == 1, acceptRA == 1, fromRA {
            findings.append(
                DoctorFinding(
                    .forwarding, .problem, subject: uplink,
                    "all.forwarding is 1 and accept_ra is 1: the kernel ignores router advertisements here, so the default route from them goes and does not come back",
                    remedy: "sysctl -w net.ipv6.conf.\(uplink).accept_ra=2"))
        }
        return ("forwarding=\(forwarding), \(uplink) accept_ra=\(acceptRA.map(String.init) ?? "?")", findings)
    }

    /// The provider routes each prefix to the destination's `nextHop`: it must be an address of the uplink (else
    /// the provider's router finds no neighbour for it and the prefixes are unreachable), usable (not tentative,
    /// not `dadfailed`).
    public static func nextHop(_ nextHop: String?, uplink: String?, facts: HostFacts) -> Outcome {
        guard let nextHop else { return ("the destination has no nextHop", []) }
        if let uplink, mtuBelowIPv6Minimum(uplink, facts: facts) != nil {
            return ("not judged: the uplink has no IPv6 (its MTU, under uplink)", [])
        }
        guard let address = try? IPv6Address(nextHop) else {
            return (nil, [DoctorFinding(.nextHop, .problem, subject: nextHop, "the API's nextHop is not an IPv6 address")])
        }
        let held = facts.observed.addresses.filter { $0.address == address }
        guard let first = held.first else {
            return (
                nil,
                [
                    DoctorFinding(
                        .nextHop, .problem, subject: "\(address)",
                        "the provider routes the prefixes to this nextHop, but no interface has it: nothing arrives",
                        remedy: "ip -6 addr add \(address)/64 dev \(uplink ?? "UPLINK") (and make it permanent in the network config)")
                ]
            )
        }
        let name = facts.observed.link(index: first.ifindex)?.name ?? "ifindex \(first.ifindex)"
        var findings: [DoctorFinding] = []
        if let uplink, name != uplink {
            findings.append(
                DoctorFinding(
                    .nextHop, .problem, subject: "\(address)",
                    "the nextHop is on \(name), not on the uplink \(uplink): the provider's router cannot reach it",
                    remedy: "ip -6 addr del \(address)/\(first.prefixLength) dev \(name); ip -6 addr add \(address)/64 dev \(uplink)"))
        }
        findings += usability(first, interface: name, check: .nextHop)
        return ("\(address) on \(name)", findings)
    }

    // MARK: Bindings and routes

    /// Each binding's interface exists, has IPv6 enabled, and is up.
    ///
    /// - Parameter used: The interfaces the routes' kernel objects are on: one of them down is a problem (its prefix is
    ///   unreachable: the kernel drops a down link's routes), another one down only a warning.
    public static func bindings(_ bindings: [Binding], facts: HostFacts, used: Set<String> = []) -> Outcome {
        var findings: [DoctorFinding] = []
        var seen: Set<String> = []
        for binding in bindings {
            guard let interface = binding.interface, seen.insert(interface).inserted else { continue }
            guard let link = facts.observed.link(named: interface) else {
                findings.append(
                    DoctorFinding(
                        .bindings, .problem, subject: interface,
                        "the binding \"\(binding.match)\" names an interface that does not exist: its routes are deferred",
                        remedy: "create \(interface), or fix interface in the config's [[bindings]]"))
                continue
            }
            if let mtu = mtuBelowIPv6Minimum(interface, facts: facts) {
                findings.append(mtuFinding(.bindings, interface, mtu: mtu))
            } else if facts.disableIPv6[interface] ?? 1 != 0 {
                findings.append(
                    DoctorFinding(
                        .bindings, .problem, subject: interface,
                        "IPv6 is disabled on the interface: the kernel refuses its addresses and routes",
                        remedy: "sysctl -w net.ipv6.conf.\(interface).disable_ipv6=0"))
            }
            if !link.isUp {
                findings.append(
                    used.contains(interface)
                        ? DoctorFinding(
                            .bindings, .problem, subject: interface,
                            "the interface is down: the kernel dropped its routes, and the prefixes bound to it are unreachable",
                            remedy: "ip link set \(interface) up")
                        : DoctorFinding(
                            .bindings, .warning, subject: interface, "the interface is down",
                            remedy: "ip link set \(interface) up"))
            }
        }
        let names = seen.sorted()
        return (names.isEmpty ? nil : "interfaces: \(names.joined(separator: ", "))", findings)
    }

    /// The route states ``routeStates(_:)`` reports; ``routes(desired:ownership:facts:skipping:)`` skips the
    /// objects of routes in them (one finding per route, not one more per object).
    public static let routeStatesReported: Set<StatusReport.RouteState> = [.bindingProblem, .refused, .kernelError]

    /// The routes `status` does not count as applied for a reason outside the kernel's objects: one finding per
    /// route in ``StatusReport/RouteState/bindingProblem`` (no binding can apply it),
    /// ``StatusReport/RouteState/refused`` (the validator's rule) or ``StatusReport/RouteState/kernelError``,
    /// with the report's reasons. Deferrals and conflicts are left to ``bindings(_:facts:)`` (the missing
    /// interface) and ``routes(desired:ownership:facts:skipping:)`` (the foreign object), which name the cause.
    public static func routeStates(_ report: StatusReport) -> [DoctorFinding] {
        report.routes.filter { routeStatesReported.contains($0.state) }.compactMap { route in
            let subject = "\(route.prefix) (\(route.id)\(route.label.map { ", label \"\($0)\"" } ?? ""))"
            func reasons(dropping prefix: String) -> String {
                route.reasons.map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
                    .joined(separator: "; ")
            }
            switch route.state {
            case .bindingProblem:
                let remedy =
                    route.bindings.isEmpty
                    ? "add a [[bindings]] entry whose match fits the route's label (or \"*\"), or relabel the route; hostup-routed check-config"
                    : "fix the matching [[bindings]] entry (its split must be longer than the prefix, route mode needs interface); hostup-routed check-config"
                return DoctorFinding(
                    .routes, .problem, subject: subject,
                    "not applied, binding problem: \(reasons(dropping: "binding problem: "))", remedy: remedy)
            case .refused:
                return DoctorFinding(
                    .routes, .problem, subject: subject,
                    "refused by validation: \(reasons(dropping: "refused: "))",
                    remedy: "the agent does not apply a prefix that breaks this rule: delete the route (hostup-routed routes delete \(route.id)) and create one that does not, or change what the rule names on this host")
            case .kernelError:
                return DoctorFinding(
                    .routes, .problem, subject: subject, "the kernel refused it: \(reasons(dropping: "kernel-error: "))",
                    remedy: "fix what the kernel's error names (an interface down, IPv6 disabled), then: hostup-routed sync")
            case .applied, .pending, .deferred, .conflict:
                return nil
            }
        }
    }

    /// Each object the desired state asks of the kernel is there, carries the agent's mark (`rtm_protocol` or
    /// `IFA_PROTO` 201, or is recorded in `ownership`), and an address is usable (not tentative, not
    /// `dadfailed`).
    ///
    /// - Parameter skipping: Routes (by id) whose objects are not judged: those ``routeStates(_:)`` reports.
    public static func routes(
        desired: DesiredState, ownership: OwnershipRecord, facts: HostFacts, skipping: Set<String> = []
    ) -> Outcome {
        var findings: [DoctorFinding] = []
        let observed = facts.observed
        for wanted in desired.addresses where !(wanted.routeID.map(skipping.contains) ?? false) {
            let text = "\(wanted.address)/\(wanted.prefixLength) dev \(wanted.interface)"
            guard let link = observed.link(named: wanted.interface) else { continue }  // reported by `bindings`
            guard
                let held = observed.addresses.first(where: {
                    $0.ifindex == link.ifindex && $0.address == wanted.address
                })
            else {
                findings.append(
                    DoctorFinding(
                        .routes, .problem, subject: text, "the address is missing",
                        remedy: "hostup-routed sync (is the daemon running? systemctl status hostup-routed)"))
                continue
            }
            let owned =
                held.addressProtocol == .hostup
                || ownership.addresses.contains(
                    OwnedAddress(interface: wanted.interface, address: wanted.address, prefixLength: held.prefixLength))
            if !owned {
                findings.append(
                    DoctorFinding(
                        .routes, .warning, subject: text,
                        "the address was made by someone else (IFA_PROTO \(held.addressProtocol.map { "\($0.rawValue)" } ?? "none")): the agent leaves it alone",
                        remedy: "ip -6 addr del \(wanted.address)/\(held.prefixLength) dev \(wanted.interface); hostup-routed sync"))
            }
            findings += usability(held, interface: wanted.interface, check: .routes)
        }
        for wanted in desired.routes where !(wanted.routeID.map(skipping.contains) ?? false) {
            let link = wanted.interface.flatMap { observed.link(named: $0) }
            if wanted.interface != nil && link == nil { continue }  // reported by `bindings`
            let text =
                "\(wanted.type == .unicast ? "" : "\(wanted.type) ")\(wanted.destination)"
                + (wanted.interface.map { " dev \($0)" } ?? "") + (wanted.table == .main ? "" : " table \(wanted.table)")
            let candidates = observed.routes.filter {
                $0.destination == wanted.destination && $0.table == wanted.table && $0.type == wanted.type
                    && (link == nil || $0.outputInterface == link?.ifindex)
            }
            if candidates.contains(where: { $0.routeProtocol == .hostup }) { continue }
            if let other = candidates.first {
                findings.append(
                    DoctorFinding(
                        .routes, .warning, subject: text,
                        "the route is there but made by someone else (proto \(other.routeProtocol)): the agent leaves it alone"))
            } else {
                findings.append(
                    DoctorFinding(
                        .routes, .problem, subject: text, "the route is missing",
                        remedy: "hostup-routed sync (is the daemon running? systemctl status hostup-routed)"))
            }
        }
        let count = desired.addresses.count + desired.routes.count
        return ("\(count) kernel object\(count == 1 ? "" : "s") wanted", findings)
    }

    /// Routes made by someone else for exactly a prefix the agent routes, preferred to the agent's path: a lower
    /// metric in table `main` through another interface (or a reject type). The agent's path is its own route
    /// (`route` mode; the kernel's default IPv6 metric 1024 when it sets none) or the prefix route the kernel makes
    /// for an address (`address` mode, metric 256). Traffic for the prefix then goes elsewhere, back out the uplink
    /// say, while `status` shows every object held.
    ///
    /// A route made by someone else for a part of a routed prefix (a longer prefix inside it) out through the
    /// `uplink` is reported too: that part's traffic goes back to the provider, who routes it here again.
    public static func shadowed(desired: DesiredState, facts: HostFacts, uplink: String? = nil) -> [DoctorFinding] {
        let observed = facts.observed
        var paths: [(prefix: IPv6Prefix, interface: String, metric: UInt32)] = []
        for wanted in desired.routes where wanted.table == .main && wanted.type == .unicast {
            if let interface = wanted.interface { paths.append((wanted.destination, interface, wanted.metric ?? 1024)) }
        }
        for wanted in desired.addresses where !wanted.noPrefixRoute && wanted.prefixLength < 128 {
            if let prefix = try? IPv6Prefix(masking: wanted.address, length: Int(wanted.prefixLength)) {
                paths.append((prefix, wanted.interface, 256))
            }
        }
        var findings: [DoctorFinding] = []
        func text(_ route: Netlink.Route) -> String {
            let name = route.outputInterface.flatMap { observed.link(index: $0)?.name }
            return "\(route.type == .unicast ? "" : "\(route.type) ")\(route.destination)"
                + (route.gateway.map { " via \($0)" } ?? "") + (name.map { " dev \($0)" } ?? "")
                + " proto \(route.routeProtocol) metric \(route.metric ?? 1024)"
        }
        let uplinkIndex = uplink.flatMap { observed.link(named: $0)?.ifindex }
        for prefix in Set(paths.map(\.prefix)).sorted() {
            for route in observed.routes
            where route.table == .main && route.type == .unicast && route.routeProtocol != .hostup
                && route.destination.length > prefix.length && prefix.contains(route.destination)
                && uplinkIndex != nil && route.outputInterface == uplinkIndex
            {
                findings.append(
                    DoctorFinding(
                        .routes, .problem, subject: "\(prefix)",
                        "a route made by someone else for a part of it, \(text(route)), sends that part back out through the uplink \(uplink ?? ""): the provider routes it here again, so it is unreachable",
                        remedy: "if it is not meant: ip -6 route del \(text(route))"))
            }
        }
        for path in paths {
            let ifindex = observed.link(named: path.interface)?.ifindex
            for route in observed.routes
            where route.table == .main && route.destination == path.prefix && route.routeProtocol != .hostup
                && (route.metric ?? 1024) < path.metric
                && (route.type != .unicast || route.outputInterface != ifindex || route.gateway != nil)
            {
                let name = route.outputInterface.flatMap { observed.link(index: $0)?.name }
                findings.append(
                    DoctorFinding(
                        .routes, .problem, subject: "\(path.prefix)",
                        "a route made by someone else, \(text(route)), is preferred to the agent's path through \(path.interface) (metric \(path.metric)): traffic for the prefix goes \(name.map { "out through \($0)" } ?? "nowhere") instead",
                        remedy: "if it is not meant: ip -6 route del \(text(route))"))
            }
        }
        return findings
    }

    /// A tentative address cannot be bound yet; a `dadfailed` one never will be: another host on the link claims it.
    static func usability(_ address: InterfaceAddress, interface: String, check: DoctorCheck) -> [DoctorFinding] {
        let text = "\(address.address)/\(address.prefixLength) dev \(interface)"
        if address.flags.contains(.dadFailed) {
            return [
                DoctorFinding(
                    check, .problem, subject: text,
                    "duplicate address detection failed: another host on \(interface) has this address, and the kernel does not use it",
                    remedy: check == .nextHop
                        // The admin's own address (the agent never adds the nextHop): deleted, it must be added again.
                        ? "find and remove the other host's address, then add it again, which runs the detection again: ip -6 addr del \(text) && ip -6 addr add \(text)"
                        : "find and remove the other host's address, then: ip -6 addr del \(text); hostup-routed sync")
            ]
        }
        if address.flags.contains(.tentative) {
            return [
                DoctorFinding(
                    check, .problem, subject: text,
                    "the address is tentative (duplicate address detection is running): it cannot be used yet",
                    remedy: "wait a few seconds and run doctor again; if it stays, check for a duplicate on \(interface)")
            ]
        }
        return []
    }

    /// The finding for a state file that cannot be read: damaged (a problem until the daemon writes it again at its
    /// next poll), or not readable by this user (run doctor as root).
    public static func stateUnreadable(_ error: any Error) -> DoctorFinding {
        if (error as? StateStore.Error)?.permissionDenied == true {
            return DoctorFinding(
                .routes, .warning, "\(error): the routes are not judged", remedy: "run doctor as root (sudo)")
        }
        return DoctorFinding(
            .routes, .problem, "the state file is damaged: \(error)",
            remedy: "wait for the daemon's next poll, which writes it again (or systemctl restart hostup-routed); without the daemon: hostup-routed sync")
    }

    /// The smallest MTU IPv6 runs on, in bytes (RFC 8200, section 5); below it Linux removes IPv6 from the link.
    static let minimumIPv6MTU = 1280

    /// The MTU of `interface` when it is below ``minimumIPv6MTU`` and the link has no IPv6 for it; else `nil`.
    static func mtuBelowIPv6Minimum(_ interface: String, facts: HostFacts) -> Int? {
        guard facts.disableIPv6[interface] == nil, let mtu = facts.mtu[interface], mtu < minimumIPv6MTU else { return nil }
        return mtu
    }

    /// The finding for a link whose MTU took IPv6 off it: the MTU is the cause and the remedy.
    static func mtuFinding(_ check: DoctorCheck, _ interface: String, mtu: Int) -> DoctorFinding {
        DoctorFinding(
            check, .problem, subject: interface,
            "the MTU \(mtu) is below IPv6's minimum of \(minimumIPv6MTU) (RFC 8200, section 5): the kernel turned IPv6 off on the interface and refuses its addresses and routes",
            remedy: "ip link set \(interface) mtu \(minimumIPv6MTU) (or more)")
    }

    // MARK: Firewall

    /// One finding per forward-hook chain that drops what forwarding bindings route.
    public static func forwardPolicy(_ drops: [ForwardPolicy.Drop]) -> [DoctorFinding] {
        drops.map { drop in
            let interfaces = drop.interfaces.joined(separator: ", ")
            let remedy: String
            if drop.chain.hasPrefix("nft ") {
                let parts = drop.chain.split(separator: " ")
                let chain = "\(parts[1]) \(parts[2]) \(parts[3])"
                remedy = drop.interfaces.map {
                    "nft insert rule \(chain) oifname \"\($0)\" accept; nft insert rule \(chain) iifname \"\($0)\" accept"
                }.joined(separator: "; ")
            } else {
                let tool = drop.chain.split(separator: " ")[0]
                remedy = drop.interfaces.map { "\(tool) -I FORWARD -o \($0) -j ACCEPT; \(tool) -I FORWARD -i \($0) -j ACCEPT" }
                    .joined(separator: "; ")
            }
            let text =
                if let rule = drop.rule {
                    "the rule `\(rule)` drops all traffic to or from \(interfaces): the routed prefix is unreachable behind it"
                } else {
                    "the forward policy is drop and no rules accept all traffic to and from \(interfaces) (Docker sets this): the routed prefix is unreachable behind it"
                }
            return DoctorFinding(.forwardPolicy, .problem, subject: drop.chain, text, remedy: remedy)
        }
    }
}
