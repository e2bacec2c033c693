import IPv6Addressing
import Netlink

/// Turns validated routes and bindings into a ``DesiredState`` (DESIGN.md "What the agent does" 3).
///
/// Rules, per route in input order:
/// - No bindings configured means one ``Binding/Mode/anyip`` binding matching "*".
/// - The matching bindings are taken in config order. If the first has no `split`, it alone applies to the
///   whole prefix. If it has `split: L` (route length < L ≤ 64), every matching binding with the same split
///   gets a child: the N-th such binding gets child N (`prefix.subnet(ofLength: L, index: N)`).
/// - `anyip` on P: `local P dev lo table local proto hostup` and `P+::1/128` on `lo` with
///   `IFA_F_NOPREFIXROUTE` (the local route covers it).
/// - `address` on P: `P+host/len(P)` on the interface; the kernel adds the on-link prefix route.
/// - `route` on P: `P dev interface table main proto hostup metric 1024`, no address.
/// - Every routed prefix (not the split children) also gets `unreachable P proto hostup metric 4294967295`
///   in `main`, so traffic to unused addresses is refused at once instead of looping back to the provider's
///   router (RFC 7084, WPD-5).
/// - `forwarding` is wanted when any applied binding asks for it; `keepAddressOnDown` lists every interface
///   that gets an address.
///
/// Anything that cannot be applied is reported as a ``BindingProblem`` and skipped; the rest still applies.
public enum DesiredStateBuilder {
    /// The metric of the agent's unreachable routes: the highest, so any other route wins.
    public static let unreachableMetric = UInt32.max

    /// Builds the desired state.
    ///
    /// - Parameters:
    ///   - routes: The validated routes of this host, in API order.
    ///   - bindings: The configured bindings, in config order; empty means `anyip` for every route.
    ///   - uplink: The uplink interface, passed through to ``DesiredState/uplink``.
    ///   - nonlocalBind: Whether `anyip` bindings may turn on `net.ipv6.ip_nonlocal_bind` (the config's
    ///     `nonlocal_bind`). Defaults to `true`.
    /// - Returns: The desired state, and the problems (routes or children that got nothing).
    public static func build(
        routes: [RoutedPrefix],
        bindings: [Binding],
        uplink: String?,
        nonlocalBind: Bool = true
    ) -> (DesiredState, [BindingProblem]) {
        let effective = bindings.isEmpty ? [Binding(match: "*", mode: .anyip)] : bindings
        var builder = Accumulator()

        for route in routes {
            let matching = effective.enumerated().filter { $0.element.matches(route) }
            guard let first = matching.first else {
                builder.problems.append(BindingProblem(routeID: route.id, prefix: route.prefix, reason: "no binding matches"))
                continue
            }
            if let split = first.element.split {
                builder.applySplit(split, of: route, bindings: matching.filter { $0.element.split == split })
            } else {
                builder.apply(first.element, index: first.offset, to: route.prefix, of: route)
            }
            builder.addRoute(
                DesiredRoute(
                    destination: route.prefix, type: .unreachable, table: .main, interface: nil,
                    metric: unreachableMetric, routeID: route.id))
        }

        var keep: [String] = []
        for address in builder.addresses where !keep.contains(address.interface) {
            keep.append(address.interface)
        }
        let state = DesiredState(
            addresses: builder.addresses,
            routes: builder.routes,
            forwarding: builder.forwarding,
            uplink: uplink,
            keepAddressOnDown: keep.sorted(),
            nonlocalBind: nonlocalBind && builder.anyip)
        return (state, builder.problems)
    }
}

/// The state being built; keeps the first of any duplicate object.
private struct Accumulator {
    var addresses: [DesiredAddress] = []
    var routes: [DesiredRoute] = []
    var forwarding = false
    var anyip = false
    var problems: [BindingProblem] = []

    mutating func applySplit(_ length: Int, of route: RoutedPrefix, bindings: [(offset: Int, element: Binding)]) {
        guard length > route.prefix.length, length <= 64 else {
            problems.append(
                BindingProblem(
                    routeID: route.id, prefix: route.prefix, bindingIndex: bindings.first?.offset,
                    reason: "split \(length) must be longer than /\(route.prefix.length) and at most 64"))
            return
        }
        let childCount = 1 << (length - route.prefix.length)
        for (position, binding) in bindings.enumerated() {
            guard position < childCount else {
                problems.append(
                    BindingProblem(
                        routeID: route.id, prefix: route.prefix, bindingIndex: binding.offset,
                        reason: "no child left: /\(route.prefix.length) has only \(childCount) /\(length) children"))
                continue
            }
            do {
                let child = try route.prefix.subnet(ofLength: length, index: position)
                apply(binding.element, index: binding.offset, to: child, of: route)
            } catch {
                problems.append(
                    BindingProblem(
                        routeID: route.id, prefix: route.prefix, bindingIndex: binding.offset, reason: "\(error)"))
            }
        }
    }

    mutating func apply(_ binding: Binding, index: Int, to prefix: IPv6Prefix, of route: RoutedPrefix) {
        func problem(_ reason: String) {
            problems.append(BindingProblem(routeID: route.id, prefix: prefix, bindingIndex: index, reason: reason))
        }
        switch binding.mode {
        case .anyip:
            guard let address = try? prefix.address(host: .loopback) else {
                problem("anyip needs room for ::1 in the prefix")
                return
            }
            addRoute(
                DesiredRoute(destination: prefix, type: .local, table: .local, interface: "lo", routeID: route.id))
            addAddress(
                DesiredAddress(
                    interface: "lo", address: address, prefixLength: 128, noPrefixRoute: true, routeID: route.id))
            anyip = true
        case .address:
            guard let interface = binding.interface else {
                problem("mode address needs an interface")
                return
            }
            guard binding.host != .unspecified else {
                problem("host :: is the subnet-router anycast address (RFC 4291 2.6.1)")
                return
            }
            let address: IPv6Address
            do {
                address = try prefix.address(host: binding.host)
            } catch {
                problem("host \(binding.host) does not fit in \(prefix): \(error)")
                return
            }
            addAddress(
                DesiredAddress(
                    interface: interface, address: address, prefixLength: UInt8(prefix.length), noPrefixRoute: false,
                    routeID: route.id))
        case .route:
            guard let interface = binding.interface else {
                problem("mode route needs an interface")
                return
            }
            addRoute(
                DesiredRoute(
                    destination: prefix, type: .unicast, table: .main, interface: interface,
                    metric: DesiredRoute.defaultMetric, routeID: route.id))
        }
        if binding.forwarding {
            forwarding = true
        }
    }

    mutating func addAddress(_ address: DesiredAddress) {
        let exists = addresses.contains { $0.interface == address.interface && $0.address == address.address }
        if !exists {
            addresses.append(address)
        }
    }

    mutating func addRoute(_ route: DesiredRoute) {
        let exists = routes.contains {
            $0.table == route.table && $0.destination == route.destination && $0.effectiveMetric == route.effectiveMetric
        }
        if !exists {
            routes.append(route)
        }
    }
}
