import Netlink

extension MirrorChange {
    /// Whether this change may take the kernel away from `desired`, so that a reconcile pass is due.
    ///
    /// The rule is "could the plan be different now", judged cheaply, so that the reconciler debounces only on these
    /// and the agent's own changes do not wake it again:
    /// - a link named by `desired` (as the interface of an address or route, the uplink, or a `keep_addr_on_down`
    ///   interface) appeared, vanished, was renamed, or went up or down;
    /// - a desired address or route was removed; a route removal counts when a desired route has the same table,
    ///   destination and metric (`fib6_add_rt2node()` identity);
    /// - an address or route appeared or changed where a desired one belongs but not as the agent makes it (another
    ///   protocol, type, interface or flags), or one with the agent's protocol appeared that is not desired;
    /// - `all.forwarding` was turned off while forwarding is desired;
    /// - announcements were lost.
    ///
    /// - Parameter desired: The state the reconciler converges to.
    /// - Returns: `true` when a reconcile pass is due.
    public func isRelevant(to desired: DesiredState) -> Bool {
        switch self {
        case .linkAdded(let link), .linkRemoved(let link):
            return desired.namesInterface(link.name)
        case .linkChanged(let old, let new):
            guard old.name != new.name || old.isUp != new.isUp else {
                return false
            }
            return desired.namesInterface(old.name) || desired.namesInterface(new.name)
        case .addressRemoved(let address, let interface):
            return desired.address(matching: address, on: interface) != nil
        case .addressAdded(let address, let interface), .addressChanged(_, let address, let interface):
            guard let wanted = desired.address(matching: address, on: interface) else {
                return address.addressProtocol == .hostup
            }
            return address.addressProtocol != .hostup || address.prefixLength != wanted.prefixLength
                || !address.flags.contains(.nodad) || address.flags.contains(.noPrefixRoute) != wanted.noPrefixRoute
        case .routeRemoved(let route, _):
            return desired.route(inSlotOf: route) != nil
        case .routeAdded(let route, let interface):
            guard let wanted = desired.route(inSlotOf: route) else {
                return route.routeProtocol == .hostup
            }
            return route.routeProtocol != .hostup || route.type != wanted.type
                || (wanted.interface != nil && wanted.interface != interface) || route.gateway != nil
        case .forwardingChanged(let interface, let enabled):
            return interface == .all && desired.forwarding && !enabled
        case .eventsLost:
            return true
        }
    }
}

extension MirrorChange {
    /// Whether the change is on an interface that `desired` names (as the interface of an address or route, the
    /// uplink, or a `keep_addr_on_down` interface), whatever the change. After a reconcile the kernel refused in
    /// part, such a change (IPv6 enabled again on the link, its link-local address back) may be what lets a retry
    /// succeed.
    public func touchesInterface(named desired: DesiredState) -> Bool {
        switch self {
        case .linkAdded(let link), .linkRemoved(let link):
            return desired.namesInterface(link.name)
        case .linkChanged(let old, let new):
            return desired.namesInterface(old.name) || desired.namesInterface(new.name)
        case .addressAdded(_, let interface), .addressRemoved(_, let interface), .addressChanged(_, _, let interface),
            .routeAdded(_, let interface), .routeRemoved(_, let interface):
            return interface.map(desired.namesInterface) ?? false
        case .forwardingChanged, .eventsLost:
            return false
        }
    }
}

extension DesiredState {
    /// Whether an address or route, the uplink, or `keep_addr_on_down` names the interface.
    fileprivate func namesInterface(_ name: String) -> Bool {
        uplink == name || keepAddressOnDown.contains(name) || addresses.contains { $0.interface == name }
            || routes.contains { $0.interface == name }
    }

    /// The desired address at (interface, address), the kernel's identity of an address.
    fileprivate func address(matching address: InterfaceAddress, on interface: String?) -> DesiredAddress? {
        guard let interface else {
            return nil
        }
        return addresses.first { $0.interface == interface && $0.address == address.address }
    }

    /// The desired route with the same table, destination and metric.
    fileprivate func route(inSlotOf route: Route) -> DesiredRoute? {
        let metric = route.metric ?? DesiredRoute.defaultMetric
        return routes.first {
            $0.table == route.table && $0.destination == route.destination && $0.effectiveMetric == metric
        }
    }
}
