import Netlink

/// One change that applying a kernel announcement made to a ``KernelMirror``.
///
/// Interface names are those the mirror knew when the change happened, so a change on a link that is gone by now
/// still names it; `nil` when the mirror did not know the interface (or, for a route, it has none).
public enum MirrorChange: Hashable, Sendable {
    /// A link appeared.
    case linkAdded(Link)
    /// A link was deleted.
    case linkRemoved(Link)
    /// A link changed: its name, flags (up, carrier) or kind.
    case linkChanged(old: Link, new: Link)
    /// An address appeared.
    case addressAdded(InterfaceAddress, interface: String?)
    /// An address was removed, or went with its link.
    case addressRemoved(InterfaceAddress, interface: String?)
    /// An address changed its prefix length, flags, scope, protocol or lifetimes.
    case addressChanged(old: InterfaceAddress, new: InterfaceAddress, interface: String?)
    /// A route appeared.
    case routeAdded(Route, interface: String?)
    /// A route was removed, replaced, or went with its link.
    case routeRemoved(Route, interface: String?)
    /// The forwarding setting of `all`, `default` or an interface changed.
    case forwardingChanged(IPv6Netconf.Interface, enabled: Bool)
    /// Announcements were lost: the mirror is stale until the next ``KernelMirror/resync(_:)``.
    case eventsLost
}

extension MirrorChange: CustomStringConvertible {
    /// The change in a few words for a log line, e.g. `route 2001:db8:1::/48 (local) removed from lo`.
    public var description: String {
        func on(_ interface: String?) -> String { interface.map { " on \($0)" } ?? "" }
        switch self {
        case .linkAdded(let link): return "link \(link.name) added (ifindex \(link.ifindex))"
        case .linkRemoved(let link): return "link \(link.name) deleted"
        case .linkChanged(let old, let new):
            if old.name != new.name { return "link \(old.name) renamed \(new.name)" }
            if old.isUp != new.isUp { return "link \(new.name) set \(new.isUp ? "up" : "down")" }
            return "link \(new.name) changed"
        case .addressAdded(let address, let interface):
            return "address \(address.address)/\(address.prefixLength) added\(on(interface))"
        case .addressRemoved(let address, let interface):
            return "address \(address.address)/\(address.prefixLength) removed\(on(interface))"
        case .addressChanged(_, let address, let interface):
            return "address \(address.address)/\(address.prefixLength) changed\(on(interface))"
        case .routeAdded(let route, let interface):
            return "route \(route.destination) (\(route.type)) added\(on(interface))"
        case .routeRemoved(let route, let interface):
            return "route \(route.destination) (\(route.type)) removed\(on(interface))"
        case .forwardingChanged(let interface, let enabled):
            let name: String
            switch interface {
            case .all: name = "all"
            case .defaults: name = "default"
            case .index(let ifindex): name = "ifindex \(ifindex)"
            }
            return "net.ipv6.conf.\(name).forwarding set to \(enabled ? 1 : 0)"
        case .eventsLost: return "kernel announcements lost"
        }
    }
}
