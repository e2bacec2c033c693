import IPv6Addressing
import Netlink

/// Computes the ``Plan`` that turns observed kernel state into desired state. Pure: no I/O.
///
/// Addresses are keyed by (ifindex, address), as the kernel's `ipv6_get_ifaddr()` finds them:
/// - absent → add, with `IFA_F_NODAD` (plus `IFA_F_NOPREFIXROUTE` when desired) and `IFA_PROTO` hostup;
/// - present and owned, with a different `IFA_F_NOPREFIXROUTE` → replace (`inet6_addr_modify()` updates flags);
/// - present and owned, with a different prefix length → remove, then add: `inet6_addr_modify()` cannot
///   change the prefix length (systemd's `address_can_update()` table says the same), so a replace would
///   succeed without effect and never converge;
/// - present and not owned → a ``Conflict``, untouched.
///
/// An address is owned when its `IFA_PROTO` is hostup, or when (interface, address, prefix length) is in the
/// ``OwnershipRecord`` (kernels before 5.18). Owned addresses that are not desired are removed; nothing else
/// is, not even kernel link-local, SLAAC or hand-made addresses inside a routed prefix.
///
/// Routes are keyed by (table, destination, metric): in one fib6 table, routes of every type share the node of
/// their destination and are told apart by metric only (`fib6_add_rt2node()` in net/ipv6/ip6_fib.c). So:
/// - absent → add with protocol hostup;
/// - present with protocol hostup but another type, output interface or a gateway → replace;
/// - present with another protocol → a ``Conflict``, untouched.
///
/// Routes with protocol hostup that are not desired are removed. A desired object whose interface does not
/// exist is a ``Deferral``; whatever the agent owns at its key is kept meanwhile.
///
/// Sysctls (values read into a ``SysctlSnapshot``). Two kernel facts make the VPS lose its default route if the
/// order is wrong: `ipv6_accept_ra()` (include/net/ipv6.h) ignores router advertisements on an interface whose own
/// `forwarding` is 1 unless its `accept_ra` is 2, and turning `all.forwarding` on deletes the RA default routes of
/// every interface whose `accept_ra` is not 2 (`rt6_purge_dflt_routers()` in net/ipv6/route.c). So:
/// - Forwarding wanted (and the uplink exists): the uplink's `accept_ra` goes from 1 to 2 *before* `all.forwarding`
///   is set to 1. Other values are the admin's choice and stay; a link managed by systemd-networkd (which handles
///   RAs itself) is left alone and reported.
/// - Every original is recorded in ``Plan/savedSysctls`` before the plan writes anything, so the agent can persist
///   it first: `forwarding` of `all`, `default` and every interface when `all.forwarding` is about to be written
///   (the write copies itself into all of them), the uplink's `accept_ra`, and `ip_nonlocal_bind`. An original
///   already saved is never replaced.
/// - `ip_nonlocal_bind` goes to 1 while ``DesiredState/nonlocalBind``.
/// - `keep_addr_on_down` is set to 1 on each ``DesiredState/keepAddressOnDown`` interface whose value is 0;
///   -1 ("never") is the admin's choice and stays, and an unreadable value (no interface yet) is left for later.
/// - No original `accept_ra` is restored while forwarding is wanted, on any interface (an old uplink too): with
///   `all.forwarding` at 1, a value below 2 would drop that interface's RA default route.
/// - Once no binding forwards: `all.forwarding` is restored first, then `default` and each interface's
///   `forwarding` where its original differs from what the `all` write left, then `accept_ra` — but a value
///   below 2 only where the interface's restored `forwarding` and `all.forwarding` are both 0; elsewhere
///   `accept_ra` stays 2 and the original is forgotten. (``PlanExecutor`` checks this again against the kernel
///   right before each such write.) `ip_nonlocal_bind` is restored once no prefix is bound `anyip`.
/// - An original whose interface is gone, or that already holds its original value, is forgotten.
///
/// Order: sysctl sets, address adds and replaces, route adds and replaces, route removals, address removals,
/// sysctl restores. Within each group objects are sorted (interface, address; table, destination, metric) so the
/// plan is the same for the same inputs.
public enum Planner {
    /// Plans the changes from `observed` to `desired`.
    ///
    /// - Parameters:
    ///   - desired: What the agent wants.
    ///   - observed: What the kernel has.
    ///   - owned: Addresses the state file says the agent added.
    ///   - sysctls: Current sysctl values and saved originals.
    /// - Returns: The plan.
    public static func plan(
        desired: DesiredState,
        observed: ObservedState,
        owned: OwnershipRecord,
        sysctls: SysctlSnapshot
    ) -> Plan {
        var planning = Planning(observed: observed, owned: owned)
        planning.planAddresses(desired.addresses)
        planning.planRoutes(desired.routes)
        planning.planRemovals()
        let (sets, restores, originals, notices) = planSysctls(desired: desired, sysctls: sysctls)
        var deferred = planning.deferred
        if desired.forwarding, !uplinkIsKnown(desired: desired, sysctls: sysctls),
            sysctls.value(.forwarding, interface: "all") != 1
        {
            deferred.append(
                Deferral(
                    interface: desired.uplink ?? "the uplink (no IPv6 default route)",
                    object: "net.ipv6.conf.all.forwarding=1 (accept_ra must be raised on the uplink first)",
                    wanted: .forwarding))
        }

        let operations = sets + planning.adds.sorted { $0.key < $1.key }.flatMap(\.operations)
            + planning.routeAdds.sorted { $0.key < $1.key }.flatMap(\.operations)
            + planning.routeRemovals.sorted { $0.key < $1.key }.map(\.operation)
            + planning.addressRemovals.sorted { $0.key < $1.key }.map(\.operation)
            + restores
        let stillOwned = owned.addresses.filter { entry in
            observed.addresses.contains {
                $0.address == entry.address && $0.prefixLength == entry.prefixLength
                    && planning.names[$0.ifindex] == entry.interface
            }
        }
        return Plan(
            operations: operations,
            deferred: deferred,
            conflicts: planning.conflicts,
            routeIDs: planning.routeIDs,
            ownership: OwnershipRecord(addresses: stillOwned),
            savedSysctls: originals,
            notices: notices)
    }

    /// Whether the uplink is named and its `accept_ra` could be read, i.e. it exists.
    private static func uplinkIsKnown(desired: DesiredState, sysctls: SysctlSnapshot) -> Bool {
        guard let uplink = desired.uplink else { return false }
        return sysctls.value(.acceptRA, interface: uplink) != nil
    }

    private static func planSysctls(
        desired: DesiredState,
        sysctls: SysctlSnapshot
    ) -> (sets: [PlanOperation], restores: [PlanOperation], originals: [SavedSysctl], notices: [String]) {
        var planning = SysctlPlanning(sysctls: sysctls)
        // NOTE: forwarding without raising the uplink's accept_ra drops the RA default route and takes the VPS
        // offline. So when the uplink is unknown (no `uplink` key, no IPv6 default route and none remembered, e.g.
        // at first boot) or does not exist, forwarding is deferred, not set.
        if desired.forwarding, uplinkIsKnown(desired: desired, sysctls: sysctls), let uplink = desired.uplink {
            if sysctls.networkdManaged.contains(uplink) {
                planning.notices.append(
                    "# notice: \(uplink) is managed by systemd-networkd, which handles router advertisements itself; "
                        + "its accept_ra is left alone (networkd needs IPv6AcceptRA=yes on it while forwarding)")
            } else if sysctls.value(.acceptRA, interface: uplink) == 1 {
                planning.set(SysctlKey(.acceptRA, interface: uplink), to: 2)
            }
            if sysctls.value(.forwarding, interface: "all") != 1 {
                for interface in ["all", "default"] + sysctls.interfaces {
                    planning.saveOriginal(SysctlKey(.forwarding, interface: interface))
                }
                planning.set(SysctlKey(.forwarding, interface: "all"), to: 1)
            }
        }
        if desired.nonlocalBind, let current = sysctls.value(.nonlocalBind, interface: nil), current != 1 {
            planning.set(SysctlKey(.nonlocalBind, interface: nil), to: 1)
        }
        for interface in Set(desired.keepAddressOnDown).sorted()
        where sysctls.value(.keepAddressOnDown, interface: interface) == 0 {
            planning.sets.append(.setSysctl(.keepAddressOnDown, interface: interface, value: 1))
        }
        planning.planRestores(forwarding: desired.forwarding, nonlocalBind: desired.nonlocalBind)
        return (
            planning.sets, planning.restores, planning.originals.values.sorted(), planning.notices
        )
    }
}

/// The work state of planning the sysctls.
private struct SysctlPlanning {
    let sysctls: SysctlSnapshot
    var sets: [PlanOperation] = []
    var restores: [PlanOperation] = []
    var notices: [String] = []
    /// The originals to keep in the state file, by key.
    var originals: [SysctlKey: SavedSysctl]

    init(sysctls: SysctlSnapshot) {
        self.sysctls = sysctls
        originals = Dictionary(sysctls.saved.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Records the current value of `key` as its original, unless one is saved already or it cannot be read.
    mutating func saveOriginal(_ key: SysctlKey) {
        guard originals[key] == nil, let value = sysctls.values[key] else { return }
        originals[key] = SavedSysctl(key, value: value)
    }

    /// Writes `value` to `key`, saving the original first.
    mutating func set(_ key: SysctlKey, to value: Int) {
        saveOriginal(key)
        sets.append(.setSysctl(key.name, interface: key.interface, value: value))
    }

    /// Plans writing back the originals that are no longer needed, in the order that never leaves an interface
    /// with `forwarding=1` and `accept_ra` below 2: `all.forwarding`, then the other `forwarding` values, then
    /// `accept_ra`, then `ip_nonlocal_bind`.
    ///
    /// An original that gets a write stays in ``originals``: ``PlanExecutor`` drops it once the write succeeded
    /// (and drops the `forwarding` originals that a successful `all.forwarding` write put back), so a restore cut
    /// short is retried. An original that needs no write, whose interface is gone, or whose `accept_ra` must stay
    /// 2, is dropped here.
    mutating func planRestores(forwarding: Bool, nonlocalBind: Bool) {
        let all = SysctlKey(.forwarding, interface: "all")
        let allNow = sysctls.values[all]
        var allAfter = allNow
        if !forwarding {
            if let original = originals[all] {
                allAfter = original.value
                if allNow != nil, allNow != original.value {
                    restores.append(.setSysctl(.forwarding, interface: "all", value: original.value))
                }
            }
            let allWritten = allAfter != allNow
            // What each interface's forwarding is once the plan ran.
            var forwardingAfter: [String: Int] = [:]
            for original in originals.values.sorted() where original.name == .forwarding && original.key != all {
                guard let interface = original.interface, let current = sysctls.values[original.key] else { continue }
                forwardingAfter[interface] = original.value
                let value = allWritten ? allAfter : current
                if value != original.value {
                    restores.append(.setSysctl(.forwarding, interface: interface, value: original.value))
                } else if !allWritten {
                    originals[original.key] = nil
                }
            }
            if !allWritten, let original = originals[all], allNow == original.value {
                originals[all] = nil
            }
            // An interface created after the originals were saved has none: it was born with `default`'s value,
            // which the agent's all.forwarding write had changed. It gets the value it would have been born with.
            if allWritten, let bornWith = originals[SysctlKey(.forwarding, interface: "default")]?.value,
                bornWith != allAfter
            {
                for interface in sysctls.interfaces
                where originals[SysctlKey(.forwarding, interface: interface)] == nil
                    && sysctls.value(.forwarding, interface: interface) != nil
                {
                    forwardingAfter[interface] = bornWith
                    restores.append(.setSysctl(.forwarding, interface: interface, value: bornWith))
                }
            }
            for original in originals.values.sorted() where original.name == .acceptRA {
                guard let interface = original.interface, let current = sysctls.values[original.key] else { continue }
                let interfaceAfter =
                    forwardingAfter[interface]
                    ?? (allWritten ? allAfter : sysctls.value(.forwarding, interface: interface))
                if original.value < 2, allAfter != 0 || interfaceAfter != 0 {
                    // Forwarding stays on here: accept_ra below 2 would make the kernel ignore router
                    // advertisements on this interface, so 2 stays, and the agent no longer owns the value.
                    if current != original.value {
                        notices.append(
                            "# notice: \(original.key) stays \(current), not restored to \(original.value): "
                                + "forwarding is still on for \(interface)")
                    }
                    originals[original.key] = nil
                } else if current != original.value {
                    restores.append(.setSysctl(.acceptRA, interface: interface, value: original.value))
                } else {
                    originals[original.key] = nil
                }
            }
        }
        let nonlocal = SysctlKey(.nonlocalBind, interface: nil)
        if !nonlocalBind, let original = originals[nonlocal] {
            if let current = sysctls.values[nonlocal], current != original.value {
                restores.append(.setSysctl(.nonlocalBind, interface: nil, value: original.value))
            } else {
                originals[nonlocal] = nil
            }
        }
        // Originals of interfaces that are gone are forgotten.
        for original in originals.values where sysctls.values[original.key] == nil {
            originals[original.key] = nil
        }
    }
}

/// (ifindex, address): how the kernel identifies an IPv6 address (`ipv6_get_ifaddr()`).
private struct AddressKey: Hashable {
    var ifindex: UInt32
    var address: IPv6Address
}

/// (table, destination, metric): how fib6 identifies a route within a table (`fib6_add_rt2node()`).
private struct RouteKey: Hashable, Comparable {
    var table: UInt32
    var destination: IPv6Prefix
    var metric: UInt32

    init(_ route: Route) {
        self.init(table: route.table, destination: route.destination, metric: route.metric ?? DesiredRoute.defaultMetric)
    }

    init(table: RouteTable, destination: IPv6Prefix, metric: UInt32) {
        self.table = table.rawValue
        self.destination = destination
        self.metric = metric
    }

    static func < (lhs: RouteKey, rhs: RouteKey) -> Bool {
        (lhs.table, lhs.destination, lhs.metric) < (rhs.table, rhs.destination, rhs.metric)
    }
}

/// The sort key of an address operation: interface name, then address.
private struct AddressOrder: Comparable {
    var interface: String
    var address: IPv6Address

    static func < (lhs: AddressOrder, rhs: AddressOrder) -> Bool {
        (lhs.interface, lhs.address) < (rhs.interface, rhs.address)
    }
}

/// The work state of one planning run.
private struct Planning {
    let observed: ObservedState
    let owned: OwnershipRecord
    let names: [UInt32: String]
    let indexes: [String: UInt32]

    var adds: [(key: AddressOrder, operations: [PlanOperation])] = []
    var routeAdds: [(key: RouteKey, operations: [PlanOperation])] = []
    var routeRemovals: [(key: RouteKey, operation: PlanOperation)] = []
    var addressRemovals: [(key: AddressOrder, operation: PlanOperation)] = []
    var deferred: [Deferral] = []
    var conflicts: [Conflict] = []
    var routeIDs: [PlanOperation: String] = [:]

    var desiredAddressKeys: Set<AddressKey> = []
    var desiredRouteKeys: Set<RouteKey> = []
    var deferredInterfaces: Set<String> = []

    init(observed: ObservedState, owned: OwnershipRecord) {
        self.observed = observed
        self.owned = owned
        var names: [UInt32: String] = [:]
        var indexes: [String: UInt32] = [:]
        for link in observed.links {
            names[link.ifindex] = link.name
            indexes[link.name] = link.ifindex
        }
        self.names = names
        self.indexes = indexes
    }

    func name(of ifindex: UInt32) -> String {
        names[ifindex] ?? "if\(ifindex)"
    }

    func isOwned(_ address: InterfaceAddress) -> Bool {
        if address.addressProtocol == .hostup {
            return true
        }
        guard let name = names[address.ifindex] else {
            return false
        }
        return owned.addresses.contains(
            OwnedAddress(interface: name, address: address.address, prefixLength: address.prefixLength))
    }

    mutating func record(_ operation: PlanOperation, routeID: String?) {
        if let routeID {
            routeIDs[operation] = routeID
        }
    }

    mutating func planAddresses(_ desired: [DesiredAddress]) {
        var present: [AddressKey: InterfaceAddress] = [:]
        for address in observed.addresses {
            present[AddressKey(ifindex: address.ifindex, address: address.address)] = address
        }
        for wanted in desired {
            let text = "address \(wanted.address)/\(wanted.prefixLength)"
            guard let ifindex = indexes[wanted.interface] else {
                deferredInterfaces.insert(wanted.interface)
                deferred.append(
                    Deferral(interface: wanted.interface, object: text, routeID: wanted.routeID, wanted: .address(wanted)))
                continue
            }
            let key = AddressKey(ifindex: ifindex, address: wanted.address)
            guard desiredAddressKeys.insert(key).inserted else {
                continue
            }
            var flags: AddressFlags = [.nodad]
            if wanted.noPrefixRoute {
                flags.insert(.noPrefixRoute)
            }
            let address = InterfaceAddress(
                ifindex: ifindex, address: wanted.address, prefixLength: wanted.prefixLength, flags: flags,
                addressProtocol: .hostup)
            let order = AddressOrder(interface: wanted.interface, address: wanted.address)
            var operations: [PlanOperation] = []
            if let existing = present[key] {
                if !isOwned(existing) {
                    conflicts.append(
                        Conflict(
                            object: "\(text) on \(wanted.interface)",
                            existing: "\(existing.address)/\(existing.prefixLength) on \(wanted.interface) "
                                + "(not added by hostup-routed)",
                            routeID: wanted.routeID, wanted: .address(wanted)))
                } else if existing.prefixLength != wanted.prefixLength {
                    operations = [
                        .removeAddress(existing, interface: wanted.interface),
                        .addAddress(address, interface: wanted.interface),
                    ]
                } else if existing.flags.contains(.noPrefixRoute) != wanted.noPrefixRoute {
                    operations = [.replaceAddress(address, interface: wanted.interface)]
                }
            } else {
                operations = [.addAddress(address, interface: wanted.interface)]
            }
            for operation in operations {
                record(operation, routeID: wanted.routeID)
            }
            if !operations.isEmpty {
                adds.append((order, operations))
            }
        }
    }

    mutating func planRoutes(_ desired: [DesiredRoute]) {
        var present: [RouteKey: [Route]] = [:]
        for route in observed.routes {
            present[RouteKey(route), default: []].append(route)
        }
        for wanted in desired {
            let key = RouteKey(table: wanted.table, destination: wanted.destination, metric: wanted.effectiveMetric)
            var outputInterface: UInt32?
            if let interface = wanted.interface {
                guard let ifindex = indexes[interface] else {
                    deferredInterfaces.insert(interface)
                    desiredRouteKeys.insert(key)
                    let type = wanted.type == .unicast ? "" : "\(wanted.type) "
                    deferred.append(
                        Deferral(
                            interface: interface, object: "route \(type)\(wanted.destination)",
                            routeID: wanted.routeID, wanted: .route(wanted)))
                    continue
                }
                outputInterface = ifindex
            }
            guard desiredRouteKeys.insert(key).inserted else {
                continue
            }
            let route = Route(
                destination: wanted.destination, type: wanted.type, table: wanted.table, routeProtocol: .hostup,
                scope: wanted.type == .local ? .host : .universe, outputInterface: outputInterface,
                metric: wanted.effectiveMetric)
            let existing = present[key] ?? []
            var operation: PlanOperation?
            if let foreign = existing.first(where: { $0.routeProtocol != .hostup }) {
                conflicts.append(
                    Conflict(
                        object: "route \(wanted.destination) table \(wanted.table) metric \(wanted.effectiveMetric)",
                        existing: PlanOperation.routeSpecification(foreign, foreign.outputInterface.map(name(of:))),
                        routeID: wanted.routeID, wanted: .route(wanted)))
            } else if let ours = existing.first {
                let sameInterface = wanted.interface == nil || ours.outputInterface == outputInterface
                if ours.type != wanted.type || !sameInterface || ours.gateway != nil {
                    operation = .replaceRoute(route, interface: wanted.interface)
                }
            } else {
                operation = .addRoute(route, interface: wanted.interface)
            }
            if let operation {
                record(operation, routeID: wanted.routeID)
                routeAdds.append((key, [operation]))
            }
        }
    }

    mutating func planRemovals() {
        for route in observed.routes where route.routeProtocol == .hostup {
            let key = RouteKey(route)
            guard !desiredRouteKeys.contains(key) else {
                continue
            }
            var request = route
            var interface = route.outputInterface.map(name(of:))
            if [RouteType.unreachable, .blackhole, .prohibit].contains(route.type) {
                // Reject routes live on `lo`; leaving the interface out matches them as `ip route del` does.
                request.outputInterface = nil
                interface = nil
            }
            if let interface, deferredInterfaces.contains(interface) {
                continue
            }
            routeRemovals.append((key, .removeRoute(request, interface: interface)))
        }
        for address in observed.addresses where isOwned(address) {
            let key = AddressKey(ifindex: address.ifindex, address: address.address)
            let interface = name(of: address.ifindex)
            guard !desiredAddressKeys.contains(key), !deferredInterfaces.contains(interface) else {
                continue
            }
            addressRemovals.append(
                (AddressOrder(interface: interface, address: address.address),
                    .removeAddress(address, interface: interface)))
        }
    }
}
