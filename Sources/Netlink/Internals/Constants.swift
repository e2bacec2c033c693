import CMnl

// The numbers of <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_addr.h> and <linux/if_link.h>,
// converted once to the widths the wire uses. Named C enums arrive as structs (hence `.rawValue`),
// unnamed ones as `Int`.

/// Netlink message types and flags (`netlink(7)`).
enum NetlinkConstant {
    static let done = UInt16(NLMSG_DONE)
    static let error = UInt16(NLMSG_ERROR)
    static let minimumType = UInt16(NLMSG_MIN_TYPE)

    static let request = UInt16(NLM_F_REQUEST)
    static let multi = UInt16(NLM_F_MULTI)
    static let ack = UInt16(NLM_F_ACK)
    static let dumpInterrupted = UInt16(NLM_F_DUMP_INTR)
    static let dump = UInt16(NLM_F_DUMP)
    static let replace = UInt16(NLM_F_REPLACE)
    static let exclusive = UInt16(NLM_F_EXCL)
    static let create = UInt16(NLM_F_CREATE)
    static let capped = UInt16(NLM_F_CAPPED)
    static let ackTLVs = UInt16(NLM_F_ACK_TLVS)

    static let extendedAckMessage = UInt16(NLMSGERR_ATTR_MSG.rawValue)

    static let route = Int32(NETLINK_ROUTE)
    static let socketLevel = Int32(SOL_NETLINK)
    static let capAckOption = Int32(NETLINK_CAP_ACK)
    static let extendedAckOption = Int32(NETLINK_EXT_ACK)
    static let addMembershipOption = Int32(NETLINK_ADD_MEMBERSHIP)

    /// Size of `struct nlmsghdr`, aligned.
    static let headerLength = cmnl_nlmsg_hdrlen()
    /// Size of `struct nlmsgerr` (an int and the original header).
    static let errorPayloadLength = MemoryLayout<nlmsgerr>.size
}

/// rtnetlink message types (`rtnetlink(7)`).
enum RTMType {
    static let newLink = UInt16(RTM_NEWLINK)
    static let delLink = UInt16(RTM_DELLINK)
    static let getLink = UInt16(RTM_GETLINK)
    static let newAddress = UInt16(RTM_NEWADDR)
    static let delAddress = UInt16(RTM_DELADDR)
    static let getAddress = UInt16(RTM_GETADDR)
    static let newRoute = UInt16(RTM_NEWROUTE)
    static let delRoute = UInt16(RTM_DELROUTE)
    static let getRoute = UInt16(RTM_GETROUTE)
    static let newNetconf = UInt16(RTM_NEWNETCONF)
    static let delNetconf = UInt16(RTM_DELNETCONF)

    /// "RTM_NEWADDR" and so on, for errors and logs.
    static func name(_ type: UInt16) -> String {
        switch type {
        case newLink: "RTM_NEWLINK"
        case delLink: "RTM_DELLINK"
        case getLink: "RTM_GETLINK"
        case newAddress: "RTM_NEWADDR"
        case delAddress: "RTM_DELADDR"
        case getAddress: "RTM_GETADDR"
        case newRoute: "RTM_NEWROUTE"
        case delRoute: "RTM_DELROUTE"
        case getRoute: "RTM_GETROUTE"
        case newNetconf: "RTM_NEWNETCONF"
        case delNetconf: "RTM_DELNETCONF"
        default: "RTM_\(type)"
        }
    }
}

/// rtnetlink multicast groups (`enum rtnetlink_groups` in `<linux/rtnetlink.h>`; `rtnetlink(7)`).
enum MulticastGroup {
    static let link = UInt32(RTNLGRP_LINK.rawValue)
    static let ipv6Address = UInt32(RTNLGRP_IPV6_IFADDR.rawValue)
    static let ipv6Route = UInt32(RTNLGRP_IPV6_ROUTE.rawValue)
    static let ipv6Netconf = UInt32(RTNLGRP_IPV6_NETCONF.rawValue)
}

/// `NETCONFA_*` attribute types of `RTM_*NETCONF` (`<linux/netconf.h>`).
enum NetconfAttribute {
    static let ifindex = UInt16(NETCONFA_IFINDEX)
    static let forwarding = UInt16(NETCONFA_FORWARDING)
    /// `NETCONFA_IFINDEX_ALL`: the `all` pseudo-interface of `/proc/sys/net/ipv6/conf`.
    static let ifindexAll = Int32(NETCONFA_IFINDEX_ALL)
    /// `NETCONFA_IFINDEX_DEFAULT`: the `default` pseudo-interface of `/proc/sys/net/ipv6/conf`.
    static let ifindexDefault = Int32(NETCONFA_IFINDEX_DEFAULT)
}

/// Address families (`address_families(7)`).
enum AddressFamily {
    static let unspecified = UInt8(AF_UNSPEC)
    static let inet6 = UInt8(AF_INET6)
    static let bridge = UInt8(AF_BRIDGE)
}

/// `IFA_*` attribute types of `RTM_*ADDR` (`<linux/if_addr.h>`).
enum AddressAttribute {
    static let address = UInt16(IFA_ADDRESS)
    static let local = UInt16(IFA_LOCAL)
    static let cacheInfo = UInt16(IFA_CACHEINFO)
    static let flags = UInt16(IFA_FLAGS)
    /// `IFA_PROTO` (Linux 5.18); a literal so older headers build too.
    static let addressProtocol: UInt16 = 11
}

/// `RTA_*` attribute types of `RTM_*ROUTE` (`<linux/rtnetlink.h>`).
enum RouteAttribute {
    static let destination = UInt16(RTA_DST.rawValue)
    static let outputInterface = UInt16(RTA_OIF.rawValue)
    static let gateway = UInt16(RTA_GATEWAY.rawValue)
    static let priority = UInt16(RTA_PRIORITY.rawValue)
    static let preferredSource = UInt16(RTA_PREFSRC.rawValue)
    static let table = UInt16(RTA_TABLE.rawValue)
}

/// `IFLA_*` attribute types of `RTM_*LINK` (`<linux/if_link.h>`).
enum LinkAttribute {
    static let name = UInt16(IFLA_IFNAME)
    static let linkInfo = UInt16(IFLA_LINKINFO)
    static let infoKind = UInt16(IFLA_INFO_KIND)
}

/// `IFF_*` interface flags (`netdevice(7)`).
enum InterfaceFlag {
    static let up = UInt32(IFF_UP)
    static let loopback = UInt32(IFF_LOOPBACK)
    /// `IFF_LOWER_UP` lives in <linux/if.h>, which clashes with <net/if.h>.
    static let lowerUp: UInt32 = 0x1_0000
}

/// Sizes of the family headers that follow `struct nlmsghdr`.
enum FamilyHeaderSize {
    static let address = MemoryLayout<ifaddrmsg>.size
    static let route = MemoryLayout<rtmsg>.size
    static let link = MemoryLayout<ifinfomsg>.size
    /// `struct netconfmsg` is one byte (`ncm_family`); attributes start at the next 4-byte boundary.
    static let netconf = MemoryLayout<netconfmsg>.size
}

/// `RTM_F_*` route flags (`<linux/rtnetlink.h>`).
enum RouteFlag {
    static let cloned = UInt32(RTM_F_CLONED)
}
