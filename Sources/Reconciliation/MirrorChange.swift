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
