/// An IPv6 prefix: a network address and a length, `2001:db8::/32` (RFC 4291 §2.3).
///
/// The host bits (those after `length`) of `address` are always zero: the initialisers refuse or clear them.
/// Prefixes order by address, then by length, so a parent sorts right before its first child.
/// `Codable` as the single string `"address/length"`.
public struct IPv6Prefix: Hashable, Comparable, Sendable {
    /// The network address; its bits after `length` are zero.
    public let address: IPv6Address
    /// The number of leading bits that make up the network, `0...128`.
    public let length: Int

    /// Creates a prefix, refusing host bits.
    ///
    /// - Parameters:
    ///   - address: The network address; no bit after `length` may be set.
    ///   - length: The prefix length in bits, `0...128`.
    /// - Throws: ``IPv6AddressingError`` with code ``IPv6AddressingError/Code/invalidLength`` when `length` is
    ///   outside `0...128`, or ``IPv6AddressingError/Code/hostBitsSet`` (the message names the network it would
    ///   be) when `address` has bits set after `length`.
    public init(address: IPv6Address, length: Int) throws {
        try Self.checkLength(length, input: "\(address)/\(length)")
        let network = IPv6Address(value: address.value & Self.mask(length))
        guard network == address else {
            throw IPv6AddressingError(
                code: .hostBitsSet,
                input: "\(address)/\(length)",
                message: "host bits set; did you mean \(network)/\(length)?"
            )
        }
        self.address = network
        self.length = length
    }

    /// Creates the prefix of the given length that contains `address`, clearing its host bits.
    ///
    /// `IPv6Prefix(masking: 2001:db8::1, length: 64)` is `2001:db8::/64`, as the kernel derives an on-link
    /// prefix from an interface address.
    ///
    /// - Parameters:
    ///   - address: Any address inside the wanted prefix.
    ///   - length: The prefix length in bits, `0...128`.
    /// - Throws: ``IPv6AddressingError`` with code ``IPv6AddressingError/Code/invalidLength`` when `length` is
    ///   outside `0...128`.
    public init(masking address: IPv6Address, length: Int) throws {
        try Self.checkLength(length, input: "\(address)/\(length)")
        self.address = IPv6Address(value: address.value & Self.mask(length))
        self.length = length
    }

    /// Builds a prefix whose inputs are already known to be valid.
    init(unchecked address: IPv6Address, length: Int) {
        self.address = address
        self.length = length
    }

    /// The network mask for `length`: `length` one bits followed by zeros.
    static func mask(_ length: Int) -> UInt128 {
        // Smart shift: shifting by 128 yields 0, which is the /0 mask.
        UInt128.max << (128 - length)
    }

    private static func checkLength(_ length: Int, input: String) throws {
        guard (0...128).contains(length) else {
            throw IPv6AddressingError(
                code: .invalidLength,
                input: input,
                message: "prefix length \(length) is outside 0...128"
            )
        }
    }

    /// The last address of the prefix: every host bit set.
    public var lastAddress: IPv6Address {
        IPv6Address(value: address.value | ~Self.mask(length))
    }

    /// Whether `address` is inside this prefix.
    ///
    /// - Parameter address: The address to test.
    /// - Returns: `true` when the first `length` bits of `address` equal this prefix's.
    public func contains(_ address: IPv6Address) -> Bool {
        address.value & Self.mask(length) == self.address.value
    }

    /// Whether `prefix` lies entirely inside this prefix (a prefix contains itself).
    ///
    /// - Parameter prefix: The prefix to test.
    /// - Returns: `true` when `prefix` is at least as long as this one and its address is inside this one.
    public func contains(_ prefix: IPv6Prefix) -> Bool {
        prefix.length >= length && contains(prefix.address)
    }

    /// Whether this prefix and `other` share at least one address.
    ///
    /// Two prefixes either nest or are disjoint, so this is true exactly when one contains the other.
    ///
    /// - Parameter other: The prefix to test.
    /// - Returns: `true` when either prefix contains the other.
    public func overlaps(_ other: IPv6Prefix) -> Bool {
        contains(other) || other.contains(self)
    }

    /// Whether the prefix lies inside `2000::/3`, the global unicast space (RFC 4291 §2.4).
    public var isGlobalUnicast: Bool {
        length >= 3 && address.isGlobalUnicast
    }

    /// Whether the prefix lies inside `fe80::/10`, link-local unicast (RFC 4291 §2.5.6).
    public var isLinkLocal: Bool {
        length >= 10 && address.isLinkLocal
    }

    /// Orders by address, then by length (shorter first).
    public static func < (lhs: IPv6Prefix, rhs: IPv6Prefix) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }
}

extension IPv6Prefix: CustomStringConvertible {
    /// `"address/length"` with the address in RFC 5952 form: `"2001:db8:1000:10::/64"`.
    public var description: String {
        "\(address)/\(length)"
    }
}

extension IPv6Prefix: TextCodable {
    static let textKind = "IPv6 prefix"
}
