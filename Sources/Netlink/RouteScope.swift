/// The scope of a route or address (`rtm_scope`, `ifa_scope`): how far from the host it is valid.
///
/// For IPv6 the kernel derives address scopes from the address itself (`ipv6_addr_scope()`), so
/// this is mostly informational there. Source: `rtnetlink(7)`, `RT_SCOPE_*` in `<linux/rtnetlink.h>`.
public struct RouteScope: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The scope byte.
    public var rawValue: UInt8

    /// Creates a scope from its number.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Global. The corresponding C constant is `RT_SCOPE_UNIVERSE`.
    public static let universe = RouteScope(rawValue: 0)
    /// Site-local. The corresponding C constant is `RT_SCOPE_SITE`.
    public static let site = RouteScope(rawValue: 200)
    /// Valid on the link only (e.g. fe80::/10). The corresponding C constant is `RT_SCOPE_LINK`.
    public static let link = RouteScope(rawValue: 253)
    /// Valid on this host only (local routes, `::1`). The corresponding C constant is `RT_SCOPE_HOST`.
    public static let host = RouteScope(rawValue: 254)
    /// No destination. The corresponding C constant is `RT_SCOPE_NOWHERE`.
    public static let nowhere = RouteScope(rawValue: 255)

    /// The `ip` name: "global", "site", "link", "host", "nowhere", or the number.
    public var description: String {
        switch rawValue {
        case 0: "global"
        case 200: "site"
        case 253: "link"
        case 254: "host"
        case 255: "nowhere"
        default: String(rawValue)
        }
    }
}
