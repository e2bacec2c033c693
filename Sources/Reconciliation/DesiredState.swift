import IPv6Addressing
import Netlink

/// What the agent wants in the kernel, independent of what is there now.
///
/// Interfaces are named, not numbered: ``Planner`` resolves names to interface indexes against the
/// observed links at plan time, so a desired state stays valid across an interface being re-created.
/// ``DesiredStateBuilder`` makes one from validated routes and bindings; the agent caches it in its state
/// file to re-apply it without the API ("fail static", DESIGN.md "What the agent does" 6).
public struct DesiredState: Hashable, Sendable, Codable {
    /// The addresses to have, in the order the builder produced them.
    public var addresses: [DesiredAddress]
    /// The routes to have, in the order the builder produced them.
    public var routes: [DesiredRoute]
    /// Whether IPv6 forwarding is wanted (`net.ipv6.conf.all.forwarding=1`).
    public var forwarding: Bool
    /// The uplink interface, whose `accept_ra` is raised from 1 to 2 while forwarding, or `nil` if unknown.
    public var uplink: String?
    /// The interfaces that get `keep_addr_on_down=1`: every interface the agent puts an address on.
    public var keepAddressOnDown: [String]
    /// Whether `net.ipv6.ip_nonlocal_bind=1` is wanted, so that services can bind any address of an `anyip`
    /// prefix (which only a `local` route covers).
    public var nonlocalBind: Bool

    /// Creates a desired state.
    ///
    /// - Parameters:
    ///   - addresses: The addresses to have. Defaults to none.
    ///   - routes: The routes to have. Defaults to none.
    ///   - forwarding: Whether IPv6 forwarding is wanted. Defaults to `false`.
    ///   - uplink: The uplink interface. Defaults to `nil`.
    ///   - keepAddressOnDown: Interfaces that get `keep_addr_on_down=1`. Defaults to none.
    ///   - nonlocalBind: Whether `net.ipv6.ip_nonlocal_bind=1` is wanted. Defaults to `false`.
    public init(
        addresses: [DesiredAddress] = [],
        routes: [DesiredRoute] = [],
        forwarding: Bool = false,
        uplink: String? = nil,
        keepAddressOnDown: [String] = [],
        nonlocalBind: Bool = false
    ) {
        self.addresses = addresses
        self.routes = routes
        self.forwarding = forwarding
        self.uplink = uplink
        self.keepAddressOnDown = keepAddressOnDown
        self.nonlocalBind = nonlocalBind
    }

    /// Nothing wanted: planning against it removes every object the agent owns (`hostup-routed cleanup`).
    public static let empty = DesiredState()
}

/// An IPv6 address the agent wants on an interface.
///
/// It is always added with `IFA_F_NODAD` (the prefix is routed to this host alone, and a tentative address
/// cannot be bound) and `IFA_PROTO` = ``AddressProtocol/hostup``.
public struct DesiredAddress: Hashable, Sendable, Codable {
    /// The interface name, e.g. "lo" or "br0".
    public var interface: String
    /// The address.
    public var address: IPv6Address
    /// The prefix length in bits, 0...128.
    public var prefixLength: UInt8
    /// Whether the kernel must not add the on-link prefix route. The corresponding C constant is
    /// `IFA_F_NOPREFIXROUTE`; set where a route of the agent covers the prefix (`anyip`).
    public var noPrefixRoute: Bool
    /// The id of the API route this address serves, for logging.
    public var routeID: String?

    /// Creates a desired address.
    ///
    /// - Parameters:
    ///   - interface: The interface name.
    ///   - address: The address.
    ///   - prefixLength: The prefix length in bits.
    ///   - noPrefixRoute: `IFA_F_NOPREFIXROUTE`. Defaults to `false`.
    ///   - routeID: The API route id. Defaults to `nil`.
    public init(
        interface: String,
        address: IPv6Address,
        prefixLength: UInt8,
        noPrefixRoute: Bool = false,
        routeID: String? = nil
    ) {
        self.interface = interface
        self.address = address
        self.prefixLength = prefixLength
        self.noPrefixRoute = noPrefixRoute
        self.routeID = routeID
    }
}

/// An IPv6 route the agent wants, always with protocol ``RouteProtocol/hostup``.
///
/// The builder makes three shapes: `local P dev lo table local` (`anyip`), `unreachable P` in `main` at
/// metric `UInt32.max`, and `P dev IF` in `main` at metric 1024 (`route`).
public struct DesiredRoute: Hashable, Sendable, Codable {
    /// The destination prefix.
    public var destination: IPv6Prefix
    /// The route type: ``RouteType/local``, ``RouteType/unreachable`` or ``RouteType/unicast``.
    public var type: RouteType
    /// The table: ``RouteTable/local`` for local routes, else ``RouteTable/main``.
    public var table: RouteTable
    /// The output interface name, or `nil` for reject routes (the kernel puts those on `lo`).
    public var interface: String?
    /// The metric, or `nil` for the kernel's default of 1024 (`IP6_RT_PRIO_USER`).
    public var metric: UInt32?
    /// The id of the API route this route serves, for logging.
    public var routeID: String?

    /// Creates a desired route.
    ///
    /// - Parameters:
    ///   - destination: The destination prefix.
    ///   - type: The route type. Defaults to ``RouteType/unicast``.
    ///   - table: The table. Defaults to ``RouteTable/main``.
    ///   - interface: The output interface name. Defaults to `nil`.
    ///   - metric: The metric. Defaults to `nil` (1024).
    ///   - routeID: The API route id. Defaults to `nil`.
    public init(
        destination: IPv6Prefix,
        type: RouteType = .unicast,
        table: RouteTable = .main,
        interface: String? = nil,
        metric: UInt32? = nil,
        routeID: String? = nil
    ) {
        self.destination = destination
        self.type = type
        self.table = table
        self.interface = interface
        self.metric = metric
        self.routeID = routeID
    }

    /// The kernel's default IPv6 route metric, `IP6_RT_PRIO_USER` (`ip6_route_info_create()` in net/ipv6/route.c).
    public static let defaultMetric: UInt32 = 1024

    /// The metric the kernel will record: ``metric``, or ``defaultMetric`` when `nil`.
    public var effectiveMetric: UInt32 { metric ?? Self.defaultMetric }

    // NOTE: `RouteType` and `RouteTable` are Netlink value types without a `Codable` conformance of their
    // own; the state file stores their numbers.
    private enum CodingKeys: String, CodingKey {
        case destination, type, table, interface, metric, routeID
    }

    /// Decodes a route; `type` and `table` are stored as their kernel numbers.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        destination = try container.decode(IPv6Prefix.self, forKey: .destination)
        type = RouteType(rawValue: try container.decode(UInt8.self, forKey: .type))
        table = RouteTable(rawValue: try container.decode(UInt32.self, forKey: .table))
        interface = try container.decodeIfPresent(String.self, forKey: .interface)
        metric = try container.decodeIfPresent(UInt32.self, forKey: .metric)
        routeID = try container.decodeIfPresent(String.self, forKey: .routeID)
    }

    /// Encodes a route; `type` and `table` are stored as their kernel numbers.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(destination, forKey: .destination)
        try container.encode(type.rawValue, forKey: .type)
        try container.encode(table.rawValue, forKey: .table)
        try container.encodeIfPresent(interface, forKey: .interface)
        try container.encodeIfPresent(metric, forKey: .metric)
        try container.encodeIfPresent(routeID, forKey: .routeID)
    }
}
