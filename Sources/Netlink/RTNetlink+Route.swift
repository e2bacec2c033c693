import IPv6Addressing

extension RTNetlink {
    /// Lists IPv6 routes.
    ///
    /// Equivalent to `ip -6 route show table all` (or `table TABLE`): an `RTM_GETROUTE` dump of `AF_INET6`,
    /// filtered here. Cached routes (`RTM_F_CLONED`) are not dumped by default and are skipped.
    /// - Parameter table: Only routes of this table. Defaults to `nil` (every table).
    /// - Returns: The routes, in the kernel's order.
    /// - Throws: ``NetlinkError``, e.g. ``NetlinkError/Code/dumpInterrupted``.
    public func routes(in table: RouteTable? = nil) throws -> [Route] {
        let messages = try socket.dump(operation: "RTM_GETROUTE") { sequence in
            var builder = MessageBuilder(type: RTMType.getRoute, flags: NetlinkConstant.dump, sequence: sequence)
            builder.putRouteHeader(
                family: AddressFamily.inet6,
                destinationLength: 0,
                table: 0,
                protocol: 0,
                scope: 0,
                type: 0
            )
            return builder.bytes
        }
        return messages.compactMap(Route.init(message:)).filter { table == nil || $0.table == table }
    }

    /// Adds a route; fails if an identical one exists.
    ///
    /// Equivalent to `ip -6 route add [TYPE] PREFIX [dev IFNAME] [via GW] [table T] proto P [metric M]`
    /// (`RTM_NEWROUTE` with `NLM_F_CREATE|NLM_F_EXCL`). Reject types (unreachable, blackhole, prohibit)
    /// need no interface: the kernel puts them on `lo` (`fib6_nh_init()` in net/ipv6/route.c).
    /// - Parameter route: The route.
    /// - Throws: ``NetlinkError``: ``NetlinkError/Code/exists`` (`fib6_add_1()`), ``NetlinkError/Code/noSuchDevice``,
    ///   ``NetlinkError/Code/networkDown``, ``NetlinkError/Code/invalidArgument``.
    public func addRoute(_ route: Route) throws {
        try performOne(.addRoute(route))
    }

    /// Adds a route, or replaces the one with the same destination, table and metric.
    ///
    /// Equivalent to `ip -6 route replace ...` (`RTM_NEWROUTE` with `NLM_F_CREATE|NLM_F_REPLACE`).
    /// - Parameter route: The route.
    /// - Throws: ``NetlinkError``, as for ``addRoute(_:)`` without ``NetlinkError/Code/exists``.
    public func replaceRoute(_ route: Route) throws {
        try performOne(.replaceRoute(route))
    }

    /// Removes a route.
    ///
    /// Equivalent to `ip -6 route del ...` (`RTM_DELROUTE`). The kernel matches destination and table and,
    /// when given, metric, protocol, interface and gateway (`ip6_route_del()`), so a route of another
    /// protocol or metric with the same prefix survives.
    /// - Parameter route: The route.
    /// - Throws: ``NetlinkError``: ``NetlinkError/Code/notFound`` (`ESRCH`) when nothing matches.
    public func removeRoute(_ route: Route) throws {
        try performOne(.removeRoute(route))
    }
}

extension Route {
    /// Lays out an `RTM_NEWROUTE`/`RTM_DELROUTE` request as iproute2's `iproute_modify()` does.
    ///
    /// Tables below 256 go in `rtm_table`, larger ones in `RTA_TABLE` with `rtm_table` = `RT_TABLE_UNSPEC`.
    func encode(type messageType: UInt16, flags: UInt16, sequence: UInt32) -> [UInt8] {
        var builder = MessageBuilder(type: messageType, flags: flags, sequence: sequence)
        let narrowTable = table.rawValue < 256 ? UInt8(table.rawValue) : 0
        builder.putRouteHeader(
            family: AddressFamily.inet6,
            destinationLength: UInt8(destination.length),
            table: narrowTable,
            protocol: routeProtocol.rawValue,
            scope: scope.rawValue,
            type: type.rawValue
        )
        builder.put(RouteAttribute.destination, address: destination.address)
        if let metric {
            builder.put(RouteAttribute.priority, uint32: metric)
        }
        if let gateway {
            builder.put(RouteAttribute.gateway, address: gateway)
        }
        if let preferredSource {
            builder.put(RouteAttribute.preferredSource, address: preferredSource)
        }
        if table.rawValue >= 256 {
            builder.put(RouteAttribute.table, uint32: table.rawValue)
        }
        if let outputInterface {
            builder.put(RouteAttribute.outputInterface, uint32: outputInterface)
        }
        return builder.bytes
    }

    /// Decodes an `RTM_NEWROUTE` (or `RTM_DELROUTE`) message of family `AF_INET6`.
    ///
    /// - Returns: `nil` for other families, cached clones, other message types and malformed messages.
    init?(message: RawMessage) {
        guard message.type == RTMType.newRoute || message.type == RTMType.delRoute,
            let family = message.payloadField(at: 0, as: UInt8.self), family == AddressFamily.inet6,
            let destinationLength = message.payloadField(at: 1, as: UInt8.self), destinationLength <= 128,
            let narrowTable = message.payloadField(at: 4, as: UInt8.self),
            let routeProtocol = message.payloadField(at: 5, as: UInt8.self),
            let scope = message.payloadField(at: 6, as: UInt8.self),
            let type = message.payloadField(at: 7, as: UInt8.self),
            let routeFlags = message.payloadField(at: 8, as: UInt32.self),
            routeFlags & RouteFlag.cloned == 0,
            let attributes = message.attributes(after: FamilyHeaderSize.route),
            let destination = try? IPv6Prefix(
                masking: attributes.ipv6Address(RouteAttribute.destination) ?? .unspecified,
                length: Int(destinationLength)
            )
        else {
            return nil
        }
        self.init(
            destination: destination,
            type: RouteType(rawValue: type),
            table: RouteTable(rawValue: attributes.uint32(RouteAttribute.table) ?? UInt32(narrowTable)),
            routeProtocol: RouteProtocol(rawValue: routeProtocol),
            scope: RouteScope(rawValue: scope),
            outputInterface: attributes.uint32(RouteAttribute.outputInterface),
            gateway: attributes.ipv6Address(RouteAttribute.gateway),
            metric: attributes.uint32(RouteAttribute.priority),
            preferredSource: attributes.ipv6Address(RouteAttribute.preferredSource)
        )
    }
}
