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
/// Sysctls (values read into a ``SysctlSnapshot``):
/// - forwarding wanted: the uplink's `accept_ra` goes from 1 to 2 (other values are the admin's choice and
///   stay), then `all.forwarding` is set to 1 unless it is 1. `accept_ra` comes first: with forwarding on and
///   `accept_ra=1` the kernel ignores router advertisements and the default route expires
///   (`ipv6_accept_ra()` in include/net/ipv6.h).
/// - `keep_addr_on_down` is set to 1 on each ``DesiredState/keepAddressOnDown`` interface whose value is 0;
///   -1 ("never") is the admin's choice and stays, and an unreadable value (no interface yet) is left for later.
/// - A saved original that is no longer needed (`forwarding` once no binding forwards, `accept_ra` once
///   forwarding stops or the uplink changes) is written back, forwarding first; one whose interface is gone, or
///   that already has its original value, is forgotten.
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
        let (sets, restores, originals) = planSysctls(desired: desired, sysctls: sysctls)
        var deferred = planning.deferred
        if desired.forwarding, !uplinkIsKnown(desired: desired, sysctls: sysctls) {
            deferred.append(
                Deferral(
                    interface: desired.uplink ?? "the uplink (no IPv6 default route)",
                    object: "net.ipv6.conf.all.forwarding=1 (accept_ra must be raised on the uplink first)"))
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
            savedSysctls: originals)
    }

    /// Whether the uplink is named and its `accept_ra` could be read, i.e. it exists.
    private static func uplinkIsKnown(desired: DesiredState, sysctls: SysctlSnapshot) -> Bool {
        guard let uplink = desired.uplink else { return false }
        return sysctls.value(.acceptRA, interface: uplink) != nil
    }

    private static func planSysctls(
        desired: DesiredState,
        sysctls: SysctlSnapshot
    ) -> (sets: [PlanOperation], restores: [PlanOperation], originals: [SavedSysctl]) {
        var sets: [PlanOperation] = []
        // NOTE: forwarding without raising the uplink's accept_ra drops the RA default route and takes the VPS
        // offline. So when the uplink is unknown (no `uplink` key and no IPv6 default route yet, e.g. at boot) or
        // does not exist, forwarding is deferred, not set.
        if desired.forwarding, uplinkIsKnown(desired: desired, sysctls: sysctls) {
            if let uplink = desired.uplink, sysctls.value(.acceptRA, interface: uplink) == 1 {
                sets.append(.setSysctl(.acceptRA, interface: uplink, value: 2))
            }
            if sysctls.value(.forwarding, interface: "all") != 1 {
                sets.append(.setSysctl(.forwarding, interface: "all", value: 1))
            }
        }
        for interface in Set(desired.keepAddressOnDown).sorted()
        where sysctls.value(.keepAddressOnDown, interface: interface) == 0 {
            sets.append(.setSysctl(.keepAddressOnDown, interface: interface, value: 1))
        }

        func stillNeeded(_ original: SavedSysctl) -> Bool {
            guard desired.forwarding else {
                return false
            }
            switch original.name {
            case .forwarding: return original.interface == "all"
            case .acceptRA: return original.interface == desired.uplink
            default: return false
            }
        }
        var restores: [SavedSysctl] = []
        var originals: [SavedSysctl] = []
        for original in sysctls.saved.sorted() {
            if stillNeeded(original) {
                originals.append(original)
                continue
            }
            guard let current = sysctls.value(original.name, interface: original.interface),
                current != original.value
            else {
                continue
            }
            restores.append(original)
            originals.append(original)
        }
        // Forwarding off before accept_ra drops back to 1, so router advertisements are never ignored.
        restores.sort { ($0.name != .forwarding ? 1 : 0, $0.key) < ($1.name != .forwarding ? 1 : 0, $1.key) }
        return (sets, restores.map { .setSysctl($0.name, interface: $0.interface, value: $0.value) }, originals)
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
                deferred.append(Deferral(interface: wanted.interface, object: text, routeID: wanted.routeID))
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
                            routeID: wanted.routeID))
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
                            routeID: wanted.routeID))
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
                        routeID: wanted.routeID))
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
