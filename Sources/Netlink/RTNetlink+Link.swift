extension RTNetlink {
    /// Lists every network interface.
    ///
    /// Equivalent to `ip -d link show`: an `RTM_GETLINK` dump.
    /// - Returns: The links, in the kernel's order (by ifindex).
    /// - Throws: ``NetlinkError``, e.g. ``NetlinkError/Code/dumpInterrupted``.
    public func links() throws -> [Link] {
        let messages = try socket.dump(operation: "RTM_GETLINK") { sequence in
            var builder = MessageBuilder(type: RTMType.getLink, flags: NetlinkConstant.dump, sequence: sequence)
            builder.putLinkHeader(family: AddressFamily.unspecified, index: 0, flags: 0, change: 0)
            return builder.bytes
        }
        return messages.compactMap(Link.init(message:))
    }

    /// Finds an interface by name.
    ///
    /// - Parameter name: The interface name, e.g. "eth0".
    /// - Returns: The link, or `nil` when there is none of that name.
    /// - Throws: ``NetlinkError``.
    public func link(named name: String) throws -> Link? {
        try links().first { $0.name == name }
    }

    /// Finds an interface by index.
    ///
    /// - Parameter index: The ifindex.
    /// - Returns: The link, or `nil` when there is none with that index.
    /// - Throws: ``NetlinkError``.
    public func link(index: UInt32) throws -> Link? {
        try links().first { $0.ifindex == index }
    }

    /// Sets a link administratively up or down.
    ///
    /// Equivalent to `ip link set dev IFNAME up|down` (`RTM_NEWLINK` changing `IFF_UP`; `rtnl_setlink()`).
    /// - Parameters:
    ///   - index: The ifindex.
    ///   - up: `true` for up.
    /// - Throws: ``NetlinkError``: ``NetlinkError/Code/noSuchDevice``, ``NetlinkError/Code/permissionDenied``.
    public func setLink(index: UInt32, up: Bool) throws {
        let request = AcknowledgedRequest(
            operation: "RTM_NEWLINK",
            subject: "ifindex \(index) \(up ? "up" : "down")",
            encode: { sequence in Link.encodeSetState(index: index, up: up, sequence: sequence) },
            classify: NetlinkError.Code.forLinkRequest
        )
        try socket.acknowledged([request])[0].get()
    }
}

extension Link {
    /// Lays out `RTM_NEWLINK` with `ifi_change = IFF_UP`, as `ip link set up` does.
    static func encodeSetState(index: UInt32, up: Bool, sequence: UInt32) -> [UInt8] {
        var builder = MessageBuilder(type: RTMType.newLink, flags: NetlinkConstant.ack, sequence: sequence)
        builder.putLinkHeader(
            family: AddressFamily.unspecified,
            index: Int32(bitPattern: index),
            flags: up ? InterfaceFlag.up : 0,
            change: InterfaceFlag.up
        )
        return builder.bytes
    }

    /// Decodes an `RTM_NEWLINK` (or `RTM_DELLINK`) message.
    ///
    /// - Returns: `nil` for other message types and malformed messages (for instance without `IFLA_IFNAME`).
    init?(message: RawMessage) {
        guard message.type == RTMType.newLink || message.type == RTMType.delLink,
            let index = message.payloadField(at: 4, as: Int32.self), index > 0,
            let flags = message.payloadField(at: 8, as: UInt32.self),
            let attributes = message.attributes(after: FamilyHeaderSize.link),
            let name = attributes.string(LinkAttribute.name), !name.isEmpty
        else {
            return nil
        }
        self.init(
            ifindex: UInt32(index),
            name: name,
            isUp: flags & InterfaceFlag.up != 0,
            isLowerUp: flags & InterfaceFlag.lowerUp != 0,
            isLoopback: flags & InterfaceFlag.loopback != 0,
            kind: attributes.nested(LinkAttribute.linkInfo)?.string(LinkAttribute.infoKind)
        )
    }
}
