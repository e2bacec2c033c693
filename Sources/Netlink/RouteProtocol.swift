/// The originator of a route, as recorded by the kernel (`rtm_protocol`).
///
/// The kernel stores the number and never interprets it beyond the values below 5; any value
/// round-trips. `ip` names them from `/etc/iproute2/rt_protos` and `rt_protos.d/`.
/// Source: `rtnetlink(7)`, `RTPROT_*` in `<linux/rtnetlink.h>`.
public struct RouteProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The `rtm_protocol` byte.
    public var rawValue: UInt8

    /// Creates a protocol from its `rtm_protocol` number.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Unknown origin. The corresponding C constant is `RTPROT_UNSPEC`.
    public static let unspecified = RouteProtocol(rawValue: 0)
    /// Installed by an ICMP redirect. The corresponding C constant is `RTPROT_REDIRECT`.
    public static let redirect = RouteProtocol(rawValue: 1)
    /// Installed by the kernel (prefix routes, local routes). The corresponding C constant is `RTPROT_KERNEL`.
    public static let kernel = RouteProtocol(rawValue: 2)
    /// Installed during boot. The corresponding C constant is `RTPROT_BOOT`.
    public static let boot = RouteProtocol(rawValue: 3)
    /// Installed by the administrator (`ip route add ... proto static`).
    /// The corresponding C constant is `RTPROT_STATIC`.
    public static let `static` = RouteProtocol(rawValue: 4)
    /// Learnt from an IPv6 router advertisement. The corresponding C constant is `RTPROT_RA`.
    public static let ra = RouteProtocol(rawValue: 9)
    /// hostup-routed's own routes; shipped as `hostup` in `/etc/iproute2/rt_protos.d/hostup-routed.conf`.
    public static let hostup = RouteProtocol(rawValue: 201)

    /// The `ip route` name: "kernel", "static", "hostup", ... or the number.
    public var description: String {
        switch rawValue {
        case 0: "unspec"
        case 1: "redirect"
        case 2: "kernel"
        case 3: "boot"
        case 4: "static"
        case 9: "ra"
        case 201: "hostup"
        default: String(rawValue)
        }
    }
}

/// The originator of an interface address (the `IFA_PROTO` attribute, Linux 5.18+).
///
/// The kernel sets the first three for addresses it creates itself; userspace may store any
/// other value, and the kernel reports it back in dumps. Source: `IFAPROT_*` in `<linux/if_addr.h>`.
public struct AddressProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The `IFA_PROTO` byte.
    public var rawValue: UInt8

    /// Creates a protocol from its `IFA_PROTO` number.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// No protocol recorded. The corresponding C constant is `IFAPROT_UNSPEC`.
    public static let unspecified = AddressProtocol(rawValue: 0)
    /// The loopback address `::1`. The corresponding C constant is `IFAPROT_KERNEL_LO`.
    public static let kernelLoopback = AddressProtocol(rawValue: 1)
    /// An address autoconfigured from a router advertisement. The corresponding C constant is `IFAPROT_KERNEL_RA`.
    public static let kernelRouterAdvertisement = AddressProtocol(rawValue: 2)
    /// A link-local address made by the kernel. The corresponding C constant is `IFAPROT_KERNEL_LL`.
    public static let kernelLinkLocal = AddressProtocol(rawValue: 3)
    /// hostup-routed's own addresses (the same number as ``RouteProtocol/hostup``).
    public static let hostup = AddressProtocol(rawValue: 201)

    /// A short name: "kernel_lo", "kernel_ra", "kernel_ll", "hostup", or the number.
    public var description: String {
        switch rawValue {
        case 0: "unspec"
        case 1: "kernel_lo"
        case 2: "kernel_ra"
        case 3: "kernel_ll"
        case 201: "hostup"
        default: String(rawValue)
        }
    }
}
