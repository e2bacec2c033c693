/// One change the kernel announced on an ``RTNetlinkMonitor``, or the news that some were lost.
///
/// Source: `rtnetlink(7)`; the groups are `RTNLGRP_LINK`, `RTNLGRP_IPV6_IFADDR`, `RTNLGRP_IPV6_ROUTE` and
/// `RTNLGRP_IPV6_NETCONF`.
public enum RTNetlinkEvent: Hashable, Sendable {
    /// A link appeared or changed (`RTM_NEWLINK`, family `AF_UNSPEC`).
    case newLink(Link)
    /// A link was deleted (`RTM_DELLINK`, family `AF_UNSPEC`).
    case deletedLink(Link)
    /// An IPv6 address was added or changed (`RTM_NEWADDR`).
    case newAddress(InterfaceAddress)
    /// An IPv6 address was removed (`RTM_DELADDR`).
    case deletedAddress(InterfaceAddress)
    /// An IPv6 route was added (`RTM_NEWROUTE`). `replaces` is set when the message carries `NLM_F_REPLACE`: the
    /// route took the place of the one with the same table, destination and metric, whose removal the kernel does
    /// not announce (`fib6_add_rt2node()` in net/ipv6/ip6_fib.c).
    case newRoute(Route, replaces: Bool)
    /// An IPv6 route was removed (`RTM_DELROUTE`).
    case deletedRoute(Route)
    /// An IPv6 per-interface setting changed (`RTM_NEWNETCONF`): forwarding.
    case netconf(IPv6Netconf)
    /// The socket's receive queue overflowed (`ENOBUFS`) or a datagram was truncated: some changes were lost, and
    /// only a fresh dump tells the state again.
    case lostEvents
}

extension RTNetlinkEvent {
    /// Decodes one notification.
    ///
    /// Link messages of other families are not link changes: a bridge announces its ports' state with
    /// `RTM_NEWLINK`/`RTM_DELLINK` of family `AF_BRIDGE` on the same group (`br_ifinfo_notify()` in
    /// net/bridge/br_netlink.c), and an `RTM_DELLINK` of those means "left the bridge", not "deleted".
    ///
    /// - Returns: `nil` for messages of other types or families, cached routes, and malformed messages.
    init?(message: RawMessage) {
        switch message.type {
        case RTMType.newLink, RTMType.delLink:
            guard message.payloadField(at: 0, as: UInt8.self) == AddressFamily.unspecified,
                let link = Link(message: message)
            else {
                return nil
            }
            self = message.type == RTMType.newLink ? .newLink(link) : .deletedLink(link)
        case RTMType.newAddress, RTMType.delAddress:
            guard let address = InterfaceAddress(message: message) else {
                return nil
            }
            self = message.type == RTMType.newAddress ? .newAddress(address) : .deletedAddress(address)
        case RTMType.newRoute, RTMType.delRoute:
            guard let route = Route(message: message) else {
                return nil
            }
            self =
                message.type == RTMType.newRoute
                ? .newRoute(route, replaces: message.flags & NetlinkConstant.replace != 0)
                : .deletedRoute(route)
        case RTMType.newNetconf:
            guard let netconf = IPv6Netconf(message: message) else {
                return nil
            }
            self = .netconf(netconf)
        default:
            return nil
        }
    }
}
