/// The kind of a route (`rtm_type`).
///
/// Source: `rtnetlink(7)`, `RTN_*` in `<linux/rtnetlink.h>`; IPv6 handling in `rtm_to_fib6_config()`
/// (net/ipv6/route.c), which turns unreachable/blackhole/prohibit into reject routes on `lo`.
public struct RouteType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The `rtm_type` byte.
    public var rawValue: UInt8

    /// Creates a type from its number.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// A gateway or direct route. The corresponding C constant is `RTN_UNICAST`.
    public static let unicast = RouteType(rawValue: 1)
    /// The destination is this host. The corresponding C constant is `RTN_LOCAL`.
    public static let local = RouteType(rawValue: 2)
    /// A broadcast route (IPv4 only). The corresponding C constant is `RTN_BROADCAST`.
    public static let broadcast = RouteType(rawValue: 3)
    /// An anycast route. The corresponding C constant is `RTN_ANYCAST`.
    public static let anycast = RouteType(rawValue: 4)
    /// A multicast route. The corresponding C constant is `RTN_MULTICAST`.
    public static let multicast = RouteType(rawValue: 5)
    /// Packets are dropped silently. The corresponding C constant is `RTN_BLACKHOLE`.
    public static let blackhole = RouteType(rawValue: 6)
    /// Packets are refused with ICMPv6 "no route". The corresponding C constant is `RTN_UNREACHABLE`.
    public static let unreachable = RouteType(rawValue: 7)
    /// Packets are refused with ICMPv6 "administratively prohibited". The corresponding C constant is `RTN_PROHIBIT`.
    public static let prohibit = RouteType(rawValue: 8)

    /// The `ip route` keyword: "unicast", "local", "unreachable", ... or the number.
    public var description: String {
        switch rawValue {
        case 1: "unicast"
        case 2: "local"
        case 3: "broadcast"
        case 4: "anycast"
        case 5: "multicast"
        case 6: "blackhole"
        case 7: "unreachable"
        case 8: "prohibit"
        default: String(rawValue)
        }
    }
}
