import IPv6Addressing

extension RTNetlink {
    /// Lists IPv6 addresses.
    ///
    /// Equivalent to `ip -6 addr show [dev IFNAME]`: an `RTM_GETADDR` dump of `AF_INET6`, filtered here.
    /// - Parameter ifindex: Only addresses on this interface. Defaults to `nil` (every interface).
    /// - Returns: The addresses, in the kernel's order.
    /// - Throws: ``NetlinkError``, e.g. ``NetlinkError/Code/dumpInterrupted``.
    public func addresses(on ifindex: UInt32? = nil) throws -> [InterfaceAddress] {
        let messages = try socket.dump(operation: "RTM_GETADDR") { sequence in
            var builder = MessageBuilder(type: RTMType.getAddress, flags: NetlinkConstant.dump, sequence: sequence)
            builder.putAddressHeader(family: AddressFamily.inet6, prefixLength: 0, flags: 0, scope: 0, index: 0)
            return builder.bytes
        }
        return messages.compactMap(InterfaceAddress.init(message:)).filter { ifindex == nil || $0.ifindex == ifindex }
    }

    /// Adds an address; fails if it is already there.
    ///
    /// Equivalent to `ip -6 addr add ADDR/LEN dev IFNAME [nodad] [noprefixroute]` (`RTM_NEWADDR` with
    /// `NLM_F_CREATE|NLM_F_EXCL`), plus `IFA_PROTO` when ``InterfaceAddress/addressProtocol`` is set.
    /// - Parameter address: The address; its flags, lifetimes and protocol are sent too.
    /// - Throws: ``NetlinkError``: ``NetlinkError/Code/exists`` if present (`inet6_rtm_newaddr()`),
    ///   ``NetlinkError/Code/networkDown`` if the link is down, ``NetlinkError/Code/noSuchDevice``.
    public func addAddress(_ address: InterfaceAddress) throws {
        try performOne(.addAddress(address))
    }

    /// Adds an address, or updates the flags, lifetimes and protocol of an existing one.
    ///
    /// Equivalent to `ip -6 addr replace ADDR/LEN dev IFNAME ...` (`RTM_NEWADDR` with `NLM_F_CREATE|NLM_F_REPLACE`;
    /// `inet6_addr_modify()` in net/ipv6/addrconf.c).
    /// - Parameter address: The address.
    /// - Throws: ``NetlinkError``, as for ``addAddress(_:)`` without ``NetlinkError/Code/exists``.
    public func replaceAddress(_ address: InterfaceAddress) throws {
        try performOne(.replaceAddress(address))
    }

    /// Removes an address.
    ///
    /// Equivalent to `ip -6 addr del ADDR/LEN dev IFNAME` (`RTM_DELADDR`). The kernel matches interface,
    /// address and prefix length (`inet6_addr_del()`).
    /// - Parameter address: The address; flags, lifetimes and protocol are ignored.
    /// - Throws: ``NetlinkError``: ``NetlinkError/Code/addressNotAvailable`` when it is not there.
    public func removeAddress(_ address: InterfaceAddress) throws {
        try performOne(.removeAddress(address))
    }
}

extension InterfaceAddress {
    /// Lays out an `RTM_NEWADDR`/`RTM_DELADDR` request as iproute2's `ipaddr_modify()` does.
    ///
    /// `IFA_LOCAL` and `IFA_ADDRESS` both carry the address (no peer); flags that fit in eight bits go
    /// in `ifa_flags`, wider ones in `IFA_FLAGS` between the two, as iproute2 orders them; new addresses
    /// also get `IFA_CACHEINFO` (when a lifetime is set) and `IFA_PROTO` (when a protocol is set).
    func encode(type: UInt16, flags: UInt16, sequence: UInt32) -> [UInt8] {
        var builder = MessageBuilder(type: type, flags: flags, sequence: sequence)
        let isNew = type == RTMType.newAddress
        let narrowFlags = isNew && self.flags.rawValue <= 0xff ? UInt8(self.flags.rawValue) : 0
        builder.putAddressHeader(
            family: AddressFamily.inet6,
            prefixLength: prefixLength,
            flags: narrowFlags,
            scope: scope.rawValue,
            index: ifindex
        )
        builder.put(AddressAttribute.local, address: address)
        if isNew, self.flags.rawValue > 0xff {
            builder.put(AddressAttribute.flags, uint32: self.flags.rawValue)
        }
        builder.put(AddressAttribute.address, address: address)
        guard isNew else {
            return builder.bytes
        }
        if validLifetimeSeconds != nil || preferredLifetimeSeconds != nil {
            // struct ifa_cacheinfo: ifa_prefered, ifa_valid, cstamp, tstamp.
            let fields: [UInt32] = [preferredLifetimeSeconds ?? .max, validLifetimeSeconds ?? .max, 0, 0]
            builder.put(
                AddressAttribute.cacheInfo,
                bytes: fields.flatMap { value in withUnsafeBytes(of: value) { Array($0) } }
            )
        }
        if let addressProtocol {
            builder.put(AddressAttribute.addressProtocol, uint8: addressProtocol.rawValue)
        }
        return builder.bytes
    }

    /// Decodes an `RTM_NEWADDR` (or `RTM_DELADDR`) message of family `AF_INET6`.
    ///
    /// - Returns: `nil` for other families, other message types, and malformed messages.
    init?(message: RawMessage) {
        guard message.type == RTMType.newAddress || message.type == RTMType.delAddress,
            let family = message.payloadField(at: 0, as: UInt8.self), family == AddressFamily.inet6,
            let prefixLength = message.payloadField(at: 1, as: UInt8.self), prefixLength <= 128,
            let narrowFlags = message.payloadField(at: 2, as: UInt8.self),
            let scope = message.payloadField(at: 3, as: UInt8.self),
            let ifindex = message.payloadField(at: 4, as: UInt32.self),
            let attributes = message.attributes(after: FamilyHeaderSize.address),
            let address = attributes.ipv6Address(AddressAttribute.local)
                ?? attributes.ipv6Address(AddressAttribute.address)
        else {
            return nil
        }
        self.init(
            ifindex: ifindex,
            address: address,
            prefixLength: prefixLength,
            flags: AddressFlags(rawValue: attributes.uint32(AddressAttribute.flags) ?? UInt32(narrowFlags)),
            scope: RouteScope(rawValue: scope),
            addressProtocol: attributes.uint8(AddressAttribute.addressProtocol).map(AddressProtocol.init(rawValue:))
        )
        if let cacheInfo = attributes[AddressAttribute.cacheInfo], cacheInfo.count >= 8 {
            cacheInfo.withUnsafeBytes { raw in
                preferredLifetimeSeconds = raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
                validLifetimeSeconds = raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            }
        }
    }
}
