/// One request of a batch sent with ``RTNetlink/perform(_:)``; the cases mirror iproute2 verbs.
public enum RTNetlinkRequest: Hashable, Sendable {
    /// `RTM_NEWADDR` with `NLM_F_CREATE|NLM_F_EXCL`: fails with ``NetlinkError/Code/exists`` if present.
    /// Equivalent to `ip -6 addr add`.
    case addAddress(InterfaceAddress)
    /// `RTM_NEWADDR` with `NLM_F_CREATE|NLM_F_REPLACE`: creates or updates flags and lifetimes.
    /// Equivalent to `ip -6 addr replace`.
    case replaceAddress(InterfaceAddress)
    /// `RTM_DELADDR`. Equivalent to `ip -6 addr del`.
    case removeAddress(InterfaceAddress)
    /// `RTM_NEWROUTE` with `NLM_F_CREATE|NLM_F_EXCL`: fails with ``NetlinkError/Code/exists`` if present.
    /// Equivalent to `ip -6 route add`.
    case addRoute(Route)
    /// `RTM_NEWROUTE` with `NLM_F_CREATE|NLM_F_REPLACE`. Equivalent to `ip -6 route replace`.
    case replaceRoute(Route)
    /// `RTM_DELROUTE`. Equivalent to `ip -6 route del`.
    case removeRoute(Route)
}
