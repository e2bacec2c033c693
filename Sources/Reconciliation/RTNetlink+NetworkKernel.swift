import Netlink

/// The real kernel: rtnetlink through ``RTNetlink`` and sysctls through ``IPv6Sysctl``.
public struct RTNetlinkKernel: NetworkKernel {
    /// The rtnetlink socket.
    public let netlink: RTNetlink
    /// The sysctl tree.
    public let sysctls: IPv6Sysctl

    /// Creates a kernel over an open socket.
    ///
    /// - Parameters:
    ///   - netlink: The rtnetlink socket.
    ///   - sysctls: The sysctl tree. Defaults to `/proc/sys/net/ipv6/conf`.
    public init(netlink: RTNetlink, sysctls: IPv6Sysctl = IPv6Sysctl()) {
        self.netlink = netlink
        self.sysctls = sysctls
    }

    /// Opens a `NETLINK_ROUTE` socket.
    ///
    /// - Throws: ``NetlinkError`` when the socket cannot be opened.
    public init() throws {
        self.init(netlink: try RTNetlink())
    }

    /// Dumps links, then addresses, then routes, keeping those of tables `main` and `local`.
    ///
    /// The dumps are not one atomic snapshot; a change in between shows up in the next run, and the
    /// executor treats the resulting `EEXIST`/`ESRCH` answers as done.
    public func observe() throws -> ObservedState {
        let links = try netlink.links()
        let addresses = try netlink.addresses()
        // One dump of every table, filtered here: `routes(in:)` twice would dump everything twice.
        let routes = try netlink.routes().filter { $0.table == .main || $0.table == .local }
        return ObservedState(links: links, addresses: addresses, routes: routes)
    }

    /// One `sendmsg` for the whole batch (``RTNetlink/perform(_:)``).
    public func perform(_ requests: [RTNetlinkRequest]) throws -> [Result<Void, NetlinkError>] {
        try netlink.perform(requests)
    }

    /// Reads a sysctl through ``IPv6Sysctl/value(_:interface:)``.
    public func sysctl(_ name: IPv6Sysctl.Name, interface: String?) throws -> Int {
        try sysctls.value(name, interface: interface)
    }

    /// Writes a sysctl through ``IPv6Sysctl/setValue(_:for:interface:)``.
    public func setSysctl(_ name: IPv6Sysctl.Name, _ value: Int, interface: String?) throws {
        try sysctls.setValue(value, for: name, interface: interface)
    }
}
