import IPv6Addressing

/// An IPv6 route, as `RTM_NEWROUTE` describes it.
///
/// Removal matches destination and length, table, and — when set — metric, protocol and output
/// interface (`ip6_route_del()` in net/ipv6/route.c), so a route of another protocol or metric with the
/// same prefix is left alone. Source: `rtnetlink(7)`, `struct rtmsg` and `RTA_*` in `<linux/rtnetlink.h>`.
public struct Route: Hashable, Sendable {
    /// The destination prefix (`RTA_DST` and `rtm_dst_len`; `::/0` when `RTA_DST` is absent).
    public var destination: IPv6Prefix
    /// The route type (`rtm_type`).
    public var type: RouteType
    /// The table (`RTA_TABLE`, else `rtm_table`).
    public var table: RouteTable
    /// The originator (`rtm_protocol`).
    public var routeProtocol: RouteProtocol
    /// The scope (`rtm_scope`); the kernel reports IPv6 routes as universe.
    public var scope: RouteScope
    /// The output interface index (`RTA_OIF`); the kernel puts reject routes on `lo`.
    public var outputInterface: UInt32?
    /// The next hop (`RTA_GATEWAY`).
    public var gateway: IPv6Address?
    /// The metric (`RTA_PRIORITY`); lower wins. The kernel uses 1024 when none is given.
    public var metric: UInt32?
    /// The preferred source address (`RTA_PREFSRC`).
    public var preferredSource: IPv6Address?

    /// Creates a route description.
    ///
    /// - Parameters:
    ///   - destination: The destination prefix.
    ///   - type: The route type. Defaults to ``RouteType/unicast``.
    ///   - table: The table. Defaults to ``RouteTable/main``.
    ///   - routeProtocol: The originator. Defaults to ``RouteProtocol/hostup``.
    ///   - scope: The scope. Defaults to ``RouteScope/universe``.
    ///   - outputInterface: The output interface index. Defaults to `nil` (not sent).
    ///   - gateway: The next hop. Defaults to `nil`.
    ///   - metric: The metric. Defaults to `nil` (the kernel's default, 1024).
    ///   - preferredSource: The preferred source address. Defaults to `nil`.
    public init(
        destination: IPv6Prefix,
        type: RouteType = .unicast,
        table: RouteTable = .main,
        routeProtocol: RouteProtocol = .hostup,
        scope: RouteScope = .universe,
        outputInterface: UInt32? = nil,
        gateway: IPv6Address? = nil,
        metric: UInt32? = nil,
        preferredSource: IPv6Address? = nil
    ) {
        self.destination = destination
        self.type = type
        self.table = table
        self.routeProtocol = routeProtocol
        self.scope = scope
        self.outputInterface = outputInterface
        self.gateway = gateway
        self.metric = metric
        self.preferredSource = preferredSource
    }
}
