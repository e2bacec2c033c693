/// A 128-bit IPv6 address (RFC 4291).
///
/// The value is held as two big-endian halves: `high` is the first 8 bytes of the address in network order read
/// as one number, `low` the last 8. Addresses compare numerically, so sorting puts `2001:db8::2` before
/// `2001:db8::10`.
///
/// Text in: every RFC 4291 §2.2 form (see ``init(_:)``). Text out: the RFC 5952 canonical form (see
/// ``description``). `Codable` as that single string.
public struct IPv6Address: Hashable, Comparable, Sendable {
    /// The first 64 bits (bytes 0...7 in network order, as a number).
    public var high: UInt64
    /// The last 64 bits (bytes 8...15 in network order, as a number).
    public var low: UInt64

    /// Creates an address from its two 64-bit halves.
    ///
    /// - Parameters:
    ///   - high: The first 64 bits; `0x2001_0db8_0000_0000` for `2001:db8::`.
    ///   - low: The last 64 bits.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Creates an address from its 128-bit value, most significant bit first.
    ///
    /// - Parameter value: The address as one number; `0x2001_0db8 << 96` is `2001:db8::`.
    public init(value: UInt128) {
        self.high = UInt64(truncatingIfNeeded: value >> 64)
        self.low = UInt64(truncatingIfNeeded: value)
    }

    /// The address as one 128-bit number, most significant bit first.
    public var value: UInt128 {
        UInt128(high) << 64 | UInt128(low)
    }

    /// Creates an address from 16 bytes in network order, as in `struct in6_addr` or `IFA_ADDRESS`.
    ///
    /// - Parameter bytes: Exactly 16 bytes, most significant first.
    /// - Returns: `nil` when `bytes` does not hold exactly 16 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (offset, byte) in bytes.enumerated() {
            if offset < 8 {
                high = high << 8 | UInt64(byte)
            } else {
                low = low << 8 | UInt64(byte)
            }
        }
        self.init(high: high, low: low)
    }

    /// The 16 bytes of the address in network order, as `struct in6_addr` holds them.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) {
            result.append(UInt8(truncatingIfNeeded: high >> UInt64(shift)))
        }
        for shift in stride(from: 56, through: 0, by: -8) {
            result.append(UInt8(truncatingIfNeeded: low >> UInt64(shift)))
        }
        return result
    }

    /// The eight 16-bit groups of the text form, first group first.
    var groups: [UInt16] {
        var result: [UInt16] = []
        result.reserveCapacity(8)
        for shift in stride(from: 48, through: 0, by: -16) {
            result.append(UInt16(truncatingIfNeeded: high >> UInt64(shift)))
        }
        for shift in stride(from: 48, through: 0, by: -16) {
            result.append(UInt16(truncatingIfNeeded: low >> UInt64(shift)))
        }
        return result
    }

    /// `::`, the unspecified address (RFC 4291 §2.5.2).
    public static let unspecified = IPv6Address(high: 0, low: 0)

    /// `::1`, the loopback address (RFC 4291 §2.5.3).
    public static let loopback = IPv6Address(high: 0, low: 1)

    /// Whether the address is inside `2000::/3`, the global unicast space IANA allocates from (RFC 4291 §2.4,
    /// RFC 3587).
    public var isGlobalUnicast: Bool {
        high >> 61 == 0b001
    }

    /// Whether the address is inside `fe80::/10`, link-local unicast (RFC 4291 §2.5.6).
    public var isLinkLocal: Bool {
        high >> 54 == 0b11_1111_1010
    }

    /// Whether the address is inside `::ffff:0:0/96`, an IPv4-mapped address (RFC 4291 §2.5.5.2).
    public var isIPv4Mapped: Bool {
        high == 0 && low >> 32 == 0xffff
    }

    /// Numeric order: `high` first, then `low`.
    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

extension IPv6Address: TextCodable {
    static let textKind = "IPv6 address"
}
