import IPv6Addressing
import Testing

@Suite struct IPv6AddressFormattingTests {
    /// RFC 5952 §4 and §5 examples, plus edges of the `::` rule.
    static let canonical: [(String, String)] = [
        // §4.1: leading zeros suppressed.
        ("2001:0db8::0001", "2001:db8::1"),
        // §4.2.1: `::` as long as possible.
        ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"),
        ("2001:db8::0:1", "2001:db8::1"),
        // §4.2.2: one zero group is not shortened.
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        // §4.2.3: longest run wins; on a tie, the first.
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::"),
        // §4.3: lower case.
        ("2001:DB8::ABCD:EF", "2001:db8::abcd:ef"),
        ("FE80::A:B:C:D", "fe80::a:b:c:d"),
        // §5: IPv4-mapped in dotted form.
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("0:0:0:0:0:ffff:c000:0201", "::ffff:192.0.2.1"),
        ("::ffff:0.0.0.0", "::ffff:0.0.0.0"),
        // Other embedded-IPv4 forms print as hex.
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ("::13.1.68.3", "::d01:4403"),
        // Edges.
        ("0:0:0:0:0:0:0:0", "::"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("1:0:0:0:0:0:0:0", "1::"),
        ("0:1:0:0:0:0:0:0", "0:1::"),
        ("0:0:0:0:0:0:1:0", "::1:0"),
        ("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"),
        ("1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"),
        ("0:2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
        ("1:0:0:0:2:0:0:3", "1::2:0:0:3"),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ("::ffff:0:0:1", "::ffff:0:0:1"),
        ("0:0:0:0:1:ffff:c000:201", "::1:ffff:c000:201"),
    ]

    @Test(arguments: canonical)
    func printsRFC5952Form(input: String, expected: String) throws {
        let address = try IPv6Address(input)
        #expect(address.description == expected)
        // The canonical text parses back to the same value.
        #expect(try IPv6Address(expected) == address)
    }

    @Test(arguments: [
        (UInt64(0x2001_0db8_0000_0000), UInt64(0x0000_0000_0000_0001)),
        (UInt64.max, UInt64.max),
        (UInt64(0), UInt64(0x0000_ffff_0a00_0001)),
        (UInt64(0xfe80_0000_0000_0000), UInt64(0x0211_22ff_fe33_4455)),
        (UInt64(0x0000_0001_0000_0000), UInt64(0x0000_0001_0000_0000)),
    ])
    func descriptionRoundTrips(high: UInt64, low: UInt64) throws {
        let address = IPv6Address(high: high, low: low)
        #expect(try IPv6Address(address.description) == address)
    }

    /// Every pattern of zero and non-zero groups: the output is canonical, parses back, and is stable.
    @Test func everyZeroPatternRoundTrips() throws {
        for pattern in 0..<256 {
            var high: UInt64 = 0
            var low: UInt64 = 0
            for group in 0..<8 where pattern & (1 << group) != 0 {
                let value = UInt64(group + 1)
                if group < 4 {
                    high |= value << UInt64((3 - group) * 16)
                } else {
                    low |= value << UInt64((7 - group) * 16)
                }
            }
            let address = IPv6Address(high: high, low: low)
            let text = address.description
            let reparsed = try IPv6Address(text)
            #expect(reparsed == address, "\(text)")
            #expect(reparsed.description == text)
            #expect(!text.contains(":::"))
            #expect(text.split(separator: "::", omittingEmptySubsequences: false).count <= 2)
        }
    }
}
