import IPv6Addressing
import Testing

@Suite struct IPv6AddressParsingTests {
    /// RFC 4291 §2.2 text forms, with the expected (high, low) halves.
    static let accepted: [(String, UInt64, UInt64)] = [
        // §2.2 form 1: full, leading zeros optional, either case.
        ("ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", 0xabcd_ef01_2345_6789, 0xabcd_ef01_2345_6789),
        ("2001:DB8:0:0:8:800:200C:417A", 0x2001_0db8_0000_0000, 0x0008_0800_200c_417a),
        ("2001:0db8:0000:0000:0008:0800:200c:417a", 0x2001_0db8_0000_0000, 0x0008_0800_200c_417a),
        ("2001:db8:0:0:8:800:200C:417a", 0x2001_0db8_0000_0000, 0x0008_0800_200c_417a),
        // §2.2 form 2: `::` at the start, middle, end, or alone.
        ("2001:DB8::8:800:200C:417A", 0x2001_0db8_0000_0000, 0x0008_0800_200c_417a),
        ("FF01::101", 0xff01_0000_0000_0000, 0x0000_0000_0000_0101),
        ("::1", 0, 1),
        ("::", 0, 0),
        ("2001:db8::", 0x2001_0db8_0000_0000, 0),
        ("::2001:db8", 0, 0x2001_0db8),
        ("1:2:3:4:5:6:7::", 0x0001_0002_0003_0004, 0x0005_0006_0007_0000),
        ("::2:3:4:5:6:7:8", 0x0000_0002_0003_0004, 0x0005_0006_0007_0008),
        ("1::8", 0x0001_0000_0000_0000, 8),
        ("0001:0002::0007:0008", 0x0001_0002_0000_0000, 0x0000_0000_0007_0008),
        ("fe80::1", 0xfe80_0000_0000_0000, 1),
        // §2.2 form 3: dotted quad in the last 32 bits.
        ("0:0:0:0:0:0:13.1.68.3", 0, 0x0d01_4403),
        ("0:0:0:0:0:FFFF:129.144.52.38", 0, 0xffff_8190_3426),
        ("::13.1.68.3", 0, 0x0d01_4403),
        ("::FFFF:129.144.52.38", 0, 0xffff_8190_3426),
        ("::ffff:192.0.2.1", 0, 0xffff_c000_0201),
        ("64:ff9b::192.0.2.33", 0x0064_ff9b_0000_0000, 0xc000_0221),
        ("1:2:3:4:5:6:1.2.3.4", 0x0001_0002_0003_0004, 0x0005_0006_0102_0304),
        ("1::6:0.0.0.0", 0x0001_0000_0000_0000, 0x0000_0006_0000_0000),
        ("::255.255.255.255", 0, 0xffff_ffff),
    ]

    @Test(arguments: accepted)
    func parsesRFC4291TextForms(text: String, high: UInt64, low: UInt64) throws {
        let address = try IPv6Address(text)
        #expect(address == IPv6Address(high: high, low: low))
    }

    /// Each refusal and the reason it must give.
    static let refused: [(String, String)] = [
        ("", "empty"),
        ("1::2::3", "more than one '::'"),
        ("::1::", "more than one '::'"),
        ("1:::2", "':::' is not valid"),
        ("1:2:3:4:5:6:7:8:9", "too many groups (9, expected 8)"),
        ("1:2:3:4:5:6:7", "too few groups (7, expected 8 without '::')"),
        ("1:2:3:4:5:6:7:8::", "too many groups (8) with '::' (at most 7)"),
        ("::1:2:3:4:5:6:7:8", "too many groups (8) with '::' (at most 7)"),
        ("1:2:3:4:5:6:7:1.2.3.4", "too many groups (9, expected 8)"),
        ("1.2.3.4", "too few groups (2, expected 8 without '::')"),
        ("2001:db8::12345", "group '12345' longer than 4 hex digits"),
        ("2001:00db8::1", "group '00db8' longer than 4 hex digits"),
        ("2001:db8::g", "non-hex character 'g' in group 'g'"),
        ("2001:db8:: 1", "non-hex character ' ' in group ' 1'"),
        ("2001:-db8::1", "non-hex character '-' in group '-db8'"),
        ("::ffff:256.0.2.1", "IPv4 octet '256' is greater than 255"),
        ("::ffff:1.2.3.1000", "IPv4 octet '1000' is greater than 255"),
        ("::ffff:192.0.2.01", "IPv4 octet '01' has a leading zero"),
        ("::ffff:192.00.2.1", "IPv4 octet '00' has a leading zero"),
        ("::ffff:192.0.2", "IPv4 part '192.0.2' has 3 octets, expected 4"),
        ("::ffff:1.2.3.4.5", "IPv4 part '1.2.3.4.5' has 5 octets, expected 4"),
        ("::ffff:1..3.4", "empty octet in IPv4 part '1..3.4'"),
        ("::ffff:1.2.3.a", "non-decimal character 'a' in IPv4 part '1.2.3.a'"),
        ("::1.2.3.4:1", "IPv4 part '1.2.3.4' is allowed only in the last 32 bits"),
        ("1.2.3.4::", "IPv4 part '1.2.3.4' is allowed only in the last 32 bits"),
        ("fe80::1%eth0", "zone index ('%') is not supported"),
        ("fe80::1%1", "zone index ('%') is not supported"),
        (":1:2:3:4:5:6:7", "leading single ':'"),
        (":1::", "leading single ':'"),
        (":", "leading single ':'"),
        ("1:2:3:4:5:6:7:", "trailing single ':'"),
        ("1::2:", "trailing single ':'"),
        ("2001:db8::/32", "unexpected '/': a prefix length is not part of an address"),
        ("[2001:db8::1]", "non-hex character '[' in group '[2001'"),
        ("2001:db8::\u{e9}", "non-ASCII character in group '\u{e9}'"),
    ]

    @Test(arguments: refused)
    func refusesWithReason(text: String, reason: String) {
        #expect {
            try IPv6Address(text)
        } throws: { error in
            guard let error = error as? IPv6AddressingError else { return false }
            return error.code == .malformed && error.input == text && error.message == reason
        }
    }

    @Test func errorDescriptionNamesInputAndReason() throws {
        let error = try #require(throws: IPv6AddressingError.self) { try IPv6Address("1::2::3") }
        #expect(error.description == "'1::2::3': more than one '::'")
        #expect(error.code.description == "malformed")
    }

    @Test(arguments: [
        "2001:db8::1", "::", "::1", "fe80::1:2", "2001:db8:85a3::8a2e:370:7334", "::ffff:192.0.2.1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ])
    func bytesRoundTrip(text: String) throws {
        let address = try IPv6Address(text)
        let bytes = address.bytes
        #expect(bytes.count == 16)
        #expect(IPv6Address(bytes: bytes) == address)
        #expect(IPv6Address(value: address.value) == address)
    }

    @Test func bytesAreNetworkOrder() throws {
        let address = try IPv6Address("2001:db8::102")
        #expect(address.bytes == [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x02])
        #expect(IPv6Address(bytes: address.bytes[...]) == address)
    }

    @Test(arguments: [0, 4, 15, 17, 32])
    func bytesOfWrongCountAreRefused(count: Int) {
        #expect(IPv6Address(bytes: [UInt8](repeating: 1, count: count)) == nil)
    }

    @Test func constants() {
        #expect(IPv6Address.unspecified.description == "::")
        #expect(IPv6Address.loopback.description == "::1")
    }

    static let classification: [(String, Bool, Bool)] = [
        // text, isGlobalUnicast, isLinkLocal
        ("2001:db8::1", true, false),
        ("2000::", true, false),
        ("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true, false),
        ("4000::", false, false),
        ("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, false),
        ("fe80::1", false, true),
        ("febf:ffff::1", false, true),
        ("fec0::1", false, false),
        ("fc00::1", false, false),
        ("::1", false, false),
        ("ff02::1", false, false),
    ]

    @Test(arguments: classification)
    func classifies(text: String, global: Bool, linkLocal: Bool) throws {
        let address = try IPv6Address(text)
        #expect(address.isGlobalUnicast == global)
        #expect(address.isLinkLocal == linkLocal)
    }

    @Test func ordersNumerically() throws {
        let texts = ["2001:db8::10", "::", "2001:db8::2", "2001:db8:1::", "fe80::1", "2001:db8::1:0", "::1"]
        let sorted = try texts.map(IPv6Address.init).sorted().map(\.description)
        #expect(sorted == ["::", "::1", "2001:db8::2", "2001:db8::10", "2001:db8::1:0", "2001:db8:1::", "fe80::1"])
        #expect(try IPv6Address("0:0:0:0:ffff::") < IPv6Address("0:0:0:1::"))
    }
}
