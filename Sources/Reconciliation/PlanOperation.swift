import Netlink

/// One change to the kernel, with the interface names needed to log it.
///
/// The ``description`` is the equivalent `ip` or `sysctl` command line, which is what
/// `hostup-routed sync --dry-run` prints and what planner tests compare.
public enum PlanOperation: Hashable, Sendable, CustomStringConvertible {
    /// Add an address (`ip -6 address add`, `RTM_NEWADDR` with `NLM_F_CREATE|NLM_F_EXCL`).
    case addAddress(InterfaceAddress, interface: String)
    /// Update an address's flags in place (`ip -6 address replace`, `RTM_NEWADDR` with `NLM_F_REPLACE`).
    case replaceAddress(InterfaceAddress, interface: String)
    /// Remove an address (`ip -6 address del`, `RTM_DELADDR`).
    case removeAddress(InterfaceAddress, interface: String)
    /// Add a route (`ip -6 route add`, `RTM_NEWROUTE` with `NLM_F_CREATE|NLM_F_EXCL`).
    case addRoute(Route, interface: String?)
    /// Replace the route with the same table, destination and metric (`ip -6 route replace`).
    case replaceRoute(Route, interface: String?)
    /// Remove a route (`ip -6 route del`, `RTM_DELROUTE`).
    case removeRoute(Route, interface: String?)
    /// Write an IPv6 sysctl (`sysctl -w net.ipv6.conf.<interface>.<name>=<value>`, or `net.ipv6.<name>` when the
    /// interface is `nil`).
    case setSysctl(IPv6Sysctl.Name, interface: String?, value: Int)

    /// The rtnetlink request for this operation, or `nil` for a sysctl.
    public var request: RTNetlinkRequest? {
        switch self {
        case .addAddress(let address, _): .addAddress(address)
        case .replaceAddress(let address, _): .replaceAddress(address)
        case .removeAddress(let address, _): .removeAddress(address)
        case .addRoute(let route, _): .addRoute(route)
        case .replaceRoute(let route, _): .replaceRoute(route)
        case .removeRoute(let route, _): .removeRoute(route)
        case .setSysctl: nil
        }
    }

    /// The equivalent command line, e.g.
    /// `ip -6 address add 2001:db8:1000:10::1/128 dev lo nodad noprefixroute proto hostup`,
    /// `ip -6 route add unreachable 2001:db8:1000:10::/64 proto hostup metric 4294967295` or
    /// `sysctl -w net.ipv6.conf.all.forwarding=1`.
    ///
    /// Route lines leave out `table main` and the default metric 1024, as `ip` does.
    public var description: String {
        switch self {
        case .addAddress(let address, let interface): Self.render("add", address, interface)
        case .replaceAddress(let address, let interface): Self.render("replace", address, interface)
        case .removeAddress(let address, let interface): Self.render("del", address, interface)
        case .addRoute(let route, let interface): Self.render("add", route, interface)
        case .replaceRoute(let route, let interface): Self.render("replace", route, interface)
        case .removeRoute(let route, let interface): Self.render("del", route, interface)
        case .setSysctl(let name, let interface, let value):
            "sysctl -w \(SysctlKey(name, interface: interface))=\(value)"
        }
    }

    private static func render(_ verb: String, _ address: InterfaceAddress, _ interface: String) -> String {
        var words = ["ip -6 address", verb, "\(address.address)/\(address.prefixLength)", "dev", interface]
        if verb != "del" {
            if address.flags.contains(.nodad) {
                words.append("nodad")
            }
            if address.flags.contains(.noPrefixRoute) {
                words.append("noprefixroute")
            }
            if let addressProtocol = address.addressProtocol {
                words += ["proto", "\(addressProtocol)"]
            }
        }
        return words.joined(separator: " ")
    }

    private static func render(_ verb: String, _ route: Route, _ interface: String?) -> String {
        "ip -6 route \(verb) " + routeSpecification(route, interface)
    }

    /// A route as `ip route` shows it: `[TYPE] DESTINATION [via GW] [dev IF] [table T] proto P [metric M]`.
    static func routeSpecification(_ route: Route, _ interface: String?) -> String {
        var words: [String] = []
        if route.type != .unicast {
            words.append("\(route.type)")
        }
        words.append("\(route.destination)")
        if let gateway = route.gateway {
            words += ["via", "\(gateway)"]
        }
        if let interface {
            words += ["dev", interface]
        }
        if route.table != .main {
            words += ["table", "\(route.table)"]
        }
        words += ["proto", "\(route.routeProtocol)"]
        if let metric = route.metric, metric != DesiredRoute.defaultMetric {
            words += ["metric", "\(metric)"]
        }
        return words.joined(separator: " ")
    }
}
