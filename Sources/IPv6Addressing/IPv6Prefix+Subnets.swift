extension IPv6Prefix {
    /// The most children ``subnets(ofLength:)`` lists: 2^16.
    ///
    /// A /48 split into /64s is exactly this many; a /32 into /64s would be four billion prefixes, so it is
    /// refused rather than allocated.
    public static let maximumSubnetCount = 1 << 16

    /// All children of the given length, in address order.
    ///
    /// `2001:db8:1200::/56` split into /64s is `2001:db8:1200::/64` … `2001:db8:1200:ff::/64`, 256 prefixes.
    /// A child length equal to `length` yields `[self]`.
    ///
    /// - Important: At most ``maximumSubnetCount`` (65536, a split of 16 bits) children are listed; a larger
    ///   split throws instead of allocating millions of values. Use ``subnet(ofLength:index:)`` to reach one
    ///   child of a bigger split.
    ///
    /// - Parameter childLength: The children's prefix length, `length...128`.
    /// - Returns: The `2^(childLength - length)` children, lowest first.
    /// - Throws: ``IPv6AddressingError`` with code ``IPv6AddressingError/Code/invalidLength`` when `childLength` is
    ///   shorter than `length` or above 128, or ``IPv6AddressingError/Code/tooManySubnets`` when the split is
    ///   wider than 16 bits.
    public func subnets(ofLength childLength: Int) throws -> [IPv6Prefix] {
        try checkChildLength(childLength)
        let bits = childLength - length
        guard bits <= 16 else {
            throw IPv6AddressingError(
                code: .tooManySubnets,
                input: "\(self)",
                message: "splitting into /\(childLength) gives 2^\(bits) subnets; at most 2^16 are listed"
            )
        }
        let step = UInt128(1) << (128 - childLength)
        return (0..<(1 << bits)).map { index in
            IPv6Prefix(unchecked: IPv6Address(value: address.value + UInt128(index) * step), length: childLength)
        }
    }

    /// The child of the given length at position `index`, counting from 0 at the lowest address.
    ///
    /// `2001:db8:1200::/56`, child /64 number 16, is `2001:db8:1200:10::/64`.
    ///
    /// - Parameters:
    ///   - childLength: The child's prefix length, `length...128`.
    ///   - index: The child's position, `0..<2^(childLength - length)`.
    /// - Returns: The child prefix.
    /// - Throws: ``IPv6AddressingError`` with code ``IPv6AddressingError/Code/invalidLength`` when `childLength` is
    ///   shorter than `length` or above 128, or ``IPv6AddressingError/Code/subnetIndexOutOfRange`` when `index`
    ///   is negative or not below the number of children.
    public func subnet(ofLength childLength: Int, index: Int) throws -> IPv6Prefix {
        try checkChildLength(childLength)
        let bits = childLength - length
        // `index` is at most Int.max, so with 63 or more bits of children every non-negative index exists.
        guard index >= 0 && (bits >= Int.bitWidth - 1 || index < 1 << bits) else {
            let count = bits >= Int.bitWidth - 1 ? "2^\(bits)" : "\(1 << bits)"
            throw IPv6AddressingError(
                code: .subnetIndexOutOfRange,
                input: "\(self)",
                message: "index \(index) is outside the \(count) /\(childLength) subnets"
            )
        }
        let offset = UInt128(index) << (128 - childLength)
        return IPv6Prefix(unchecked: IPv6Address(value: address.value | offset), length: childLength)
    }

    /// The address made of this prefix's network part and `host` as the host part.
    ///
    /// `2001:db8:1000::/48` with host `::1` is `2001:db8:1000::1`; with host `::10:0:0:0:1` it is
    /// `2001:db8:1000:10::1`.
    ///
    /// - Parameter host: The host part; no bit inside the first `length` bits may be set.
    /// - Returns: `address | host`.
    /// - Throws: ``IPv6AddressingError`` with code ``IPv6AddressingError/Code/hostOutsidePrefix`` when `host` has
    ///   bits set inside the prefix part.
    public func address(host: IPv6Address) throws -> IPv6Address {
        guard host.value & Self.mask(length) == 0 else {
            throw IPv6AddressingError(
                code: .hostOutsidePrefix,
                input: "\(host)",
                message: "host \(host) has bits inside the first \(length) bits of \(self)"
            )
        }
        return IPv6Address(value: address.value | host.value)
    }

    private func checkChildLength(_ childLength: Int) throws {
        guard (length...128).contains(childLength) else {
            throw IPv6AddressingError(
                code: .invalidLength,
                input: "\(self)",
                message: "subnet length \(childLength) is outside \(length)...128"
            )
        }
    }
}
