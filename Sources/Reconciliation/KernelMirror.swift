import IPv6Addressing
import Netlink

/// The kernel's links, IPv6 addresses and IPv6 routes of tables `main` and `local`, kept in memory: built from one
/// dump, then kept current by the announcements of an ``Netlink/RTNetlinkMonitor``.
///
/// ``observe()`` answers what ``NetworkKernel/observe()`` would, without a dump. It lives here rather than in
/// Netlink because what it answers is an ``ObservedState`` and what it judges changes against is a
/// ``DesiredState``, both of this module; Netlink stays a plain kernel client.
///
/// Use it in this order: open the monitor (which subscribes), dump (``init(_:)``), then ``apply(_:)`` every event
/// in the order received. On ``Netlink/RTNetlinkEvent/lostEvents``, and on the resync timer, dump again and
/// ``resync(_:)``.
///
/// - Important: A value type with no locking: one owner (the reconciler) applies events and reads it.
public struct KernelMirror: Hashable, Sendable {
    // NOTE: Why events older than the dump are safe to apply after it. The monitor subscribes before the dump, so
    // the events queued are every change from some moment before the dump on, and the dump shows the state after
    // some prefix of them. Each event sets or removes one object by its kernel identity (last writer wins), so
    // replaying a change the dump already shows leaves the object as the last change to it made it, which is how
    // the kernel has it. The derived removals (a link deleted or set down drops its routes, a link deleted drops
    // its addresses) are safe for the same reason: whatever exists on that ifindex after that moment was created
    // later, and its own announcement comes later in the queue. This holds only while no event is lost, hence a
    // fresh dump after ENOBUFS. The three dumps of `observe()` are not one snapshot either; the same replay
    // heals that.

    private var links: [UInt32: Link] = [:]
    private var addresses: [AddressIdentity: InterfaceAddress] = [:]
    private var routes: [RouteIdentity: Route] = [:]
    private var forwarding: [IPv6Netconf.Interface: Bool] = [:]

    /// Builds the mirror from one dump.
    ///
    /// - Parameter observed: What ``NetworkKernel/observe()`` returned, after the monitor subscribed.
    public init(_ observed: ObservedState) {
        resync(observed)
    }

    /// Replaces links, addresses and routes with a fresh dump's.
    ///
    /// Forwarding values learnt from netconf events are kept: a dump does not carry them.
    /// - Parameter observed: What ``NetworkKernel/observe()`` returned, after the monitor subscribed.
    public mutating func resync(_ observed: ObservedState) {
        links = Dictionary(observed.links.map { ($0.ifindex, $0) }, uniquingKeysWith: { _, last in last })
        addresses = Dictionary(
            observed.addresses.map { (AddressIdentity($0), $0) },
            uniquingKeysWith: { _, last in last }
        )
        routes = Dictionary(
            observed.routes.filter(Self.isMirrored).map { (RouteIdentity($0), $0) },
            uniquingKeysWith: { _, last in last }
        )
    }

    /// What the kernel has now, as far as the events told: sorted links (by ifindex), addresses (by ifindex, then
    /// address) and routes (by table, destination, metric).
    public func observe() -> ObservedState {
        ObservedState(
            links: links.values.sorted { $0.ifindex < $1.ifindex },
            addresses: addresses.keys.sorted().compactMap { addresses[$0] },
            routes: routes.keys.sorted().compactMap { routes[$0] }
        )
    }

    /// The last forwarding value announced for `interface` (`RTM_NEWNETCONF`), or `nil` when none was since this
    /// mirror was made; read `/proc/sys` for the current value at start.
    public func forwarding(of interface: IPv6Netconf.Interface) -> Bool? {
        forwarding[interface]
    }

    /// Applies one announcement and says what changed.
    ///
    /// Announcements that change nothing (a route already known, a link message that only touched statistics)
    /// answer an empty list. Beyond what the message says:
    /// - a link deleted takes its addresses, routes and forwarding value with it;
    /// - a link set down (`IFF_UP` cleared) takes its routes with it, since with
    ///   `net.ipv6.route.skip_notify_on_dev_down=1` the kernel removes them without `RTM_DELROUTE`
    ///   (`rt6_sync_down_dev()` calls `fib6_clean_all_skip_notify()` in net/ipv6/route.c; `fib6_ifdown()` drops
    ///   every single-path route whose device goes down or away). Addresses that `addrconf_ifdown()` removes on
    ///   down are always announced;
    /// - a route with `NLM_F_REPLACE` takes the place of those with the same table, destination and metric.
    ///
    /// A link re-created under a new ifindex is a new link; nothing carries over from the old one.
    ///
    /// - Parameter event: The announcement, in the order received.
    /// - Returns: The changes, each naming the interface as it was called when the change happened.
    @discardableResult
    public mutating func apply(_ event: RTNetlinkEvent) -> [MirrorChange] {
        switch event {
        case .newLink(let link):
            let old = links.updateValue(link, forKey: link.ifindex)
            guard let old else {
                return [.linkAdded(link)]
            }
            var changes: [MirrorChange] = []
            if old != link {
                changes.append(.linkChanged(old: old, new: link))
            }
            if old.isUp, !link.isUp {
                changes += dropRoutes(on: link.ifindex, interface: link.name)
            }
            return changes
        case .deletedLink(let link):
            let name = links[link.ifindex]?.name ?? link.name
            let old = links.removeValue(forKey: link.ifindex)
            // Its netconf goes too (RTM_DELNETCONF, which is not applied: the link's deletion says it).
            forwarding[.index(link.ifindex)] = nil
            var changes: [MirrorChange] = old.map { [.linkRemoved($0)] } ?? []
            changes += dropRoutes(on: link.ifindex, interface: name)
            for (key, address) in addresses where key.ifindex == link.ifindex {
                addresses[key] = nil
                changes.append(.addressRemoved(address, interface: name))
            }
            return changes
        case .newAddress(let address):
            let old = addresses.updateValue(address, forKey: AddressIdentity(address))
            let name = links[address.ifindex]?.name
            guard let old else {
                return [.addressAdded(address, interface: name)]
            }
            return old == address ? [] : [.addressChanged(old: old, new: address, interface: name)]
        case .deletedAddress(let address):
            guard let old = addresses.removeValue(forKey: AddressIdentity(address)) else {
                return []
            }
            return [.addressRemoved(old, interface: links[address.ifindex]?.name)]
        case .newRoute(let route, let replaces):
            guard Self.isMirrored(route) else {
                return []
            }
            var changes: [MirrorChange] = []
            if replaces {
                let slot = RouteIdentity(route).slot
                for (key, old) in routes where key.slot == slot && old != route {
                    routes[key] = nil
                    changes.append(.routeRemoved(old, interface: interfaceName(of: old)))
                }
            }
            if routes.updateValue(route, forKey: RouteIdentity(route)) != route {
                changes.append(.routeAdded(route, interface: interfaceName(of: route)))
            }
            return changes
        case .deletedRoute(let route):
            guard let old = routes.removeValue(forKey: RouteIdentity(route)) else {
                return []
            }
            return [.routeRemoved(old, interface: interfaceName(of: old))]
        case .netconf(let netconf):
            guard let enabled = netconf.forwarding else {
                return []
            }
            let old = forwarding.updateValue(enabled, forKey: netconf.interface)
            return old == enabled ? [] : [.forwardingChanged(netconf.interface, enabled: enabled)]
        case .lostEvents:
            return [.eventsLost]
        }
    }

    private func interfaceName(of route: Route) -> String? {
        route.outputInterface.flatMap { links[$0]?.name }
    }

    private mutating func dropRoutes(on ifindex: UInt32, interface: String) -> [MirrorChange] {
        var changes: [MirrorChange] = []
        for (key, route) in routes where route.outputInterface == ifindex {
            routes[key] = nil
            changes.append(.routeRemoved(route, interface: interface))
        }
        return changes
    }

    /// Tables `main` and `local`, as ``RTNetlinkKernel/observe()`` keeps them.
    private static func isMirrored(_ route: Route) -> Bool {
        route.table == .main || route.table == .local
    }
}

/// (ifindex, address): how the kernel identifies an IPv6 address (`ipv6_get_ifaddr()` in net/ipv6/addrconf.c).
private struct AddressIdentity: Hashable, Comparable {
    var ifindex: UInt32
    var address: IPv6Address

    init(_ interfaceAddress: InterfaceAddress) {
        ifindex = interfaceAddress.ifindex
        address = interfaceAddress.address
    }

    static func < (lhs: AddressIdentity, rhs: AddressIdentity) -> Bool {
        (lhs.ifindex, lhs.address) < (rhs.ifindex, rhs.address)
    }
}

/// A route's identity in the mirror: its slot (table, destination, metric) plus what lets routes share a slot.
///
/// fib6 refuses a second route in a slot only for `NLM_F_EXCL` or an identical next hop (`fib6_add_rt2node()` in
/// net/ipv6/ip6_fib.c); kernel-made routes and `ip route append` can share one on different devices, so the type,
/// output interface and gateway are part of the identity. `RTM_DELROUTE` carries all of them.
private struct RouteIdentity: Hashable, Comparable {
    struct Slot: Hashable {
        var table: UInt32
        var destination: IPv6Prefix
        var metric: UInt32
    }

    var slot: Slot
    var type: UInt8
    var outputInterface: UInt32
    var gateway: IPv6Address

    init(_ route: Route) {
        slot = Slot(
            table: route.table.rawValue,
            destination: route.destination,
            metric: route.metric ?? DesiredRoute.defaultMetric
        )
        type = route.type.rawValue
        outputInterface = route.outputInterface ?? 0
        gateway = route.gateway ?? .unspecified
    }

    static func < (lhs: RouteIdentity, rhs: RouteIdentity) -> Bool {
        (lhs.slot.table, lhs.slot.destination, lhs.slot.metric, lhs.type, lhs.outputInterface, lhs.gateway)
            < (rhs.slot.table, rhs.slot.destination, rhs.slot.metric, rhs.type, rhs.outputInterface, rhs.gateway)
    }
}
