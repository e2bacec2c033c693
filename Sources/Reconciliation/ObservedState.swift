import Netlink

/// What the kernel has now: one dump of links, IPv6 addresses, and IPv6 routes of tables `main` and `local`.
///
/// Made by ``NetworkKernel/observe()``; ``Planner`` compares it with a ``DesiredState``.
public struct ObservedState: Hashable, Sendable {
    /// Every link.
    public var links: [Link]
    /// Every `AF_INET6` address, on every link.
    public var addresses: [InterfaceAddress]
    /// The `AF_INET6` routes of tables ``RouteTable/main`` and ``RouteTable/local``.
    public var routes: [Route]

    /// Creates an observed state.
    ///
    /// - Parameters:
    ///   - links: Every link. Defaults to none.
    ///   - addresses: The IPv6 addresses. Defaults to none.
    ///   - routes: The IPv6 routes of `main` and `local`. Defaults to none.
    public init(links: [Link] = [], addresses: [InterfaceAddress] = [], routes: [Route] = []) {
        self.links = links
        self.addresses = addresses
        self.routes = routes
    }

    /// The link called `name`, if there is one.
    public func link(named name: String) -> Link? {
        links.first { $0.name == name }
    }

    /// The link with index `ifindex`, if there is one.
    public func link(index ifindex: UInt32) -> Link? {
        links.first { $0.ifindex == ifindex }
    }
}
