/// A routing table id (`rtm_table`, or the 32-bit `RTA_TABLE` attribute for ids above 255).
///
/// Source: `rtnetlink(7)`, `RT_TABLE_*` in `<linux/rtnetlink.h>`.
public struct RouteTable: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The table id.
    public var rawValue: UInt32

    /// Creates a table from its id.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// No table given. The corresponding C constant is `RT_TABLE_UNSPEC`.
    public static let unspecified = RouteTable(rawValue: 0)
    /// The table consulted after `main`. The corresponding C constant is `RT_TABLE_DEFAULT`.
    public static let `default` = RouteTable(rawValue: 253)
    /// The table `ip route` uses by default. The corresponding C constant is `RT_TABLE_MAIN`.
    public static let main = RouteTable(rawValue: 254)
    /// Local and broadcast routes, consulted first. The corresponding C constant is `RT_TABLE_LOCAL`.
    public static let local = RouteTable(rawValue: 255)

    /// The `ip` name: "main", "local", "default", or the number.
    public var description: String {
        switch rawValue {
        case 253: "default"
        case 254: "main"
        case 255: "local"
        default: String(rawValue)
        }
    }
}
