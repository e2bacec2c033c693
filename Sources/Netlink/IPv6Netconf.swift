/// The IPv6 configuration of one interface (or of `all`/`default`), as an `RTM_NEWNETCONF` notification carries it.
///
/// The kernel announces a change of `/proc/sys/net/ipv6/conf/*/forwarding` this way
/// (`inet6_netconf_notify_devconf()` in net/ipv6/addrconf.c, sent to `RTNLGRP_IPV6_NETCONF`), with only the attribute
/// that changed. It does not announce `accept_ra`, `keep_addr_on_down` or `ip_nonlocal_bind`: those must be read
/// from `/proc/sys` (``IPv6Sysctl``). Source: `struct netconfmsg` and `NETCONFA_*` in `<linux/netconf.h>`.
public struct IPv6Netconf: Hashable, Sendable {
    /// Which configuration a message is about: the `all` or `default` pseudo-interfaces, or a real one.
    public enum Interface: Hashable, Sendable {
        /// `/proc/sys/net/ipv6/conf/all`. The corresponding C constant is `NETCONFA_IFINDEX_ALL`.
        case all
        /// `/proc/sys/net/ipv6/conf/default`. The corresponding C constant is `NETCONFA_IFINDEX_DEFAULT`.
        case defaults
        /// The interface with this ifindex.
        case index(UInt32)
    }

    /// The interface (`NETCONFA_IFINDEX`).
    public var interface: Interface
    /// Whether forwarding is on (`NETCONFA_FORWARDING`); `nil` when the message does not carry it.
    public var forwarding: Bool?

    /// Creates a netconf description.
    ///
    /// - Parameters:
    ///   - interface: The interface.
    ///   - forwarding: `NETCONFA_FORWARDING`. Defaults to `nil` (not carried).
    public init(interface: Interface, forwarding: Bool? = nil) {
        self.interface = interface
        self.forwarding = forwarding
    }
}

extension IPv6Netconf {
    /// Decodes an `RTM_NEWNETCONF` message of family `AF_INET6`.
    ///
    /// - Returns: `nil` for other message types and families, a missing or invalid `NETCONFA_IFINDEX`, and
    ///   malformed messages.
    init?(message: RawMessage) {
        guard message.type == RTMType.newNetconf,
            let family = message.payloadField(at: 0, as: UInt8.self), family == AddressFamily.inet6,
            let attributes = message.attributes(after: FamilyHeaderSize.netconf),
            let rawIndex = attributes.uint32(NetconfAttribute.ifindex)
        else {
            return nil
        }
        let index = Int32(bitPattern: rawIndex)
        switch index {
        case NetconfAttribute.ifindexAll: interface = .all
        case NetconfAttribute.ifindexDefault: interface = .defaults
        case 1...: interface = .index(UInt32(index))
        default: return nil
        }
        forwarding = attributes.uint32(NetconfAttribute.forwarding).map { $0 != 0 }
    }
}
