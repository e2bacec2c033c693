import SystemPackage

extension RTNetlinkRequest {
    /// The netlink message type's name, e.g. "RTM_NEWADDR".
    var operation: String {
        switch self {
        case .addAddress, .replaceAddress: "RTM_NEWADDR"
        case .removeAddress: "RTM_DELADDR"
        case .addRoute, .replaceRoute: "RTM_NEWROUTE"
        case .removeRoute: "RTM_DELROUTE"
        }
    }

    /// The request laid out as one netlink message with `NLM_F_REQUEST|NLM_F_ACK`.
    ///
    /// The flags are those iproute2 sends for the same verb (`ip -6 addr add` is `NLM_F_CREATE|NLM_F_EXCL`,
    /// `replace` is `NLM_F_CREATE|NLM_F_REPLACE`, `del` has none).
    func encode(sequence: UInt32) -> [UInt8] {
        let ack = NetlinkConstant.ack
        let create = NetlinkConstant.create
        switch self {
        case .addAddress(let address):
            return address.encode(
                type: RTMType.newAddress,
                flags: ack | create | NetlinkConstant.exclusive,
                sequence: sequence
            )
        case .replaceAddress(let address):
            return address.encode(
                type: RTMType.newAddress,
                flags: ack | create | NetlinkConstant.replace,
                sequence: sequence
            )
        case .removeAddress(let address):
            return address.encode(type: RTMType.delAddress, flags: ack, sequence: sequence)
        case .addRoute(let route):
            return route.encode(
                type: RTMType.newRoute,
                flags: ack | create | NetlinkConstant.exclusive,
                sequence: sequence
            )
        case .replaceRoute(let route):
            return route.encode(
                type: RTMType.newRoute,
                flags: ack | create | NetlinkConstant.replace,
                sequence: sequence
            )
        case .removeRoute(let route):
            return route.encode(type: RTMType.delRoute, flags: ack, sequence: sequence)
        }
    }

    var acknowledgedRequest: AcknowledgedRequest {
        switch self {
        case .addAddress(let address), .replaceAddress(let address), .removeAddress(let address):
            AcknowledgedRequest(
                operation: operation,
                subject: "\(address.address)/\(address.prefixLength) on ifindex \(address.ifindex)",
                encode: encode(sequence:),
                classify: NetlinkError.Code.forAddressRequest
            )
        case .addRoute(let route), .replaceRoute(let route), .removeRoute(let route):
            AcknowledgedRequest(
                operation: operation,
                subject: "\(route.type) \(route.destination) table \(route.table) proto \(route.routeProtocol)",
                encode: encode(sequence:),
                classify: NetlinkError.Code.forRouteRequest
            )
        }
    }
}
