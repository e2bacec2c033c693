import IPv6Addressing
import Testing

@Suite struct IPv6PrefixTests {
    static let accepted: [(String, String, Int)] = [
        ("2001:db8::/32", "2001:db8::", 32),
        ("2001:DB8:1000::/48", "2001:db8:1000::", 48),
        ("2001:0db8:1000:0010::/64", "2001:db8:1000:10::", 64),
        ("::/0", "::", 0),
        ("2001:db8::1/128", "2001:db8::1", 128),
        ("fe80::/10", "fe80::", 10),
        ("::ffff:192.0.2.0/120", "::ffff:192.0.2.0", 120),
    ]

    @Test(arguments: accepted)
    func parses(text: String, address: String, length: Int) throws {
        let prefix = try IPv6Prefix(text)
        #expect(prefix.address == (try IPv6Address(address)))
        #expect(prefix.length == length)
        #expect(prefix.description == "\(address)/\(length)")
        #expect(try IPv6Prefix(prefix.description) == prefix)
    }

    static let refused: [(String, IPv6AddressingError.Code, String)] = [
        ("", .malformed, "empty"),
        ("2001:db8::", .malformed, "missing '/' and prefix length"),
        ("2001:db8::/", .malformed, "empty prefix length"),
        ("2001:db8::/+32", .malformed, "prefix length '+32' is not a plain decimal number"),
        ("2001:db8::/-1", .malformed, "prefix length '-1' is not a plain decimal number"),
        ("2001:db8::/3 2", .malformed, "prefix length '3 2' is not a plain decimal number"),
        ("2001:db8::/32/48", .malformed, "prefix length '32/48' is not a plain decimal number"),
        ("2001:db8::/0x20", .malformed, "prefix length '0x20' is not a plain decimal number"),
        ("2001:db8::/032", .malformed, "prefix length '032' has a leading zero"),
        ("2001:db8::/129", .invalidLength, "prefix length 129 is outside 0...128"),
        (
            "2001:db8::/99999999999999999999999", .invalidLength,
            "prefix length 99999999999999999999999 is outside 0...128"
        ),
        ("/32", .malformed, "missing address before '/'"),
        ("2001:db8::g/32", .malformed, "non-hex character 'g' in group 'g'"),
        ("fe80::%eth0/64", .malformed, "zone index ('%') is not supported"),
        ("2001:db8::1/32", .hostBitsSet, "host bits set; did you mean 2001:db8::/32?"),
        ("2001:db8:1234::/32", .hostBitsSet, "host bits set; did you mean 2001:db8::/32?"),
        ("2001:db8:1000:10::1/64", .hostBitsSet, "host bits set; did you mean 2001:db8:1000:10::/64?"),
        ("2001:db8:1200:1::/56", .hostBitsSet, "host bits set; did you mean 2001:db8:1200::/56?"),
        ("::1/0", .hostBitsSet, "host bits set; did you mean ::/0?"),
    ]

    @Test(arguments: refused)
    func refusesWithReason(text: String, code: IPv6AddressingError.Code, reason: String) {
        #expect {
            try IPv6Prefix(text)
        } throws: { error in
            guard let error = error as? IPv6AddressingError else { return false }
            return error.code == code && error.input == text && error.message == reason
        }
    }

    @Test func strictInitRefusesHostBits() throws {
        let address = try IPv6Address("2001:db8::1")
        let error = try #require(throws: IPv6AddressingError.self) {
            try IPv6Prefix(address: address, length: 64)
        }
        #expect(error.code == .hostBitsSet)
        #expect(error.message == "host bits set; did you mean 2001:db8::/64?")
        #expect(error.input == "2001:db8::1/64")
    }

    @Test(arguments: [-1, 129, 200, Int.min, Int.max])
    func refusesLengthOutsideRange(length: Int) {
        #expect(throws: IPv6AddressingError.self) { try IPv6Prefix(address: .unspecified, length: length) }
        #expect(throws: IPv6AddressingError.self) { try IPv6Prefix(masking: .loopback, length: length) }
        do {
            _ = try IPv6Prefix(masking: .loopback, length: length)
        } catch let error as IPv6AddressingError {
            #expect(error.code == .invalidLength)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    static let masking: [(String, Int, String)] = [
        ("2001:db8:1234:5678:9abc:def0:1234:5678", 0, "::/0"),
        ("2001:db8:1234:5678:9abc:def0:1234:5678", 3, "2000::/3"),
        ("2001:db8:1234:5678:9abc:def0:1234:5678", 32, "2001:db8::/32"),
        ("2001:db8:1234:5678:9abc:def0:1234:5678", 44, "2001:db8:1230::/44"),
        ("2001:db8:1234:5678:9abc:def0:1234:5678", 64, "2001:db8:1234:5678::/64"),
        ("2001:db8:1234:5678:9abc:def0:1234:5678", 65, "2001:db8:1234:5678:8000::/65"),
        ("2001:db8:1234:5678:9abc:def0:1234:5678", 127, "2001:db8:1234:5678:9abc:def0:1234:5678/127"),
        ("2001:db8:1234:5678:9abc:def0:1234:5679", 127, "2001:db8:1234:5678:9abc:def0:1234:5678/127"),
        ("2001:db8:1234:5678:9abc:def0:1234:5679", 128, "2001:db8:1234:5678:9abc:def0:1234:5679/128"),
    ]

    @Test(arguments: masking)
    func maskingClearsHostBits(address: String, length: Int, expected: String) throws {
        let prefix = try IPv6Prefix(masking: IPv6Address(address), length: length)
        #expect(prefix.description == expected)
        #expect(prefix == (try IPv6Prefix(expected)))
    }

    static let addressContainment: [(String, String, Bool)] = [
        ("2001:db8::/32", "2001:db8::", true),
        ("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true),
        ("2001:db8::/32", "2001:db9::", false),
        ("2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false),
        ("2001:db8:1000::/48", "2001:db8:1000:10::1", true),
        ("2001:db8:1000::/48", "2001:db8:1001::1", false),
        ("2001:db8::1/128", "2001:db8::1", true),
        ("2001:db8::1/128", "2001:db8::2", false),
        ("::/0", "fe80::1", true),
        ("::/0", "::", true),
        ("2001:db8::/33", "2001:db8:7fff::", true),
        ("2001:db8::/33", "2001:db8:8000::", false),
        ("2001:db8:1200::/56", "2001:db8:1200:ff::1", true),
        ("2001:db8:1200::/56", "2001:db8:1200:100::1", false),
    ]

    @Test(arguments: addressContainment)
    func containsAddress(prefix: String, address: String, expected: Bool) throws {
        #expect(try IPv6Prefix(prefix).contains(IPv6Address(address)) == expected)
    }

    /// (outer, inner, outer.contains(inner), outer.overlaps(inner)).
    static let prefixRelations: [(String, String, Bool, Bool)] = [
        ("2001:db8::/32", "2001:db8:1000::/48", true, true),
        ("2001:db8:1000::/48", "2001:db8::/32", false, true),
        ("2001:db8::/32", "2001:db8::/32", true, true),
        ("2001:db8:1000::/48", "2001:db8:1001::/48", false, false),
        ("2001:db8:1000::/48", "2001:db8:1000:ffff::/64", true, true),
        ("2001:db8:1000::/48", "2001:db8:1001::/64", false, false),
        ("2001:db8::/33", "2001:db8:8000::/33", false, false),
        ("2001:db8::/32", "2001:db8::/31", false, true),
        ("::/0", "2001:db8::/32", true, true),
        ("2001:db8::/32", "::/0", false, true),
        ("2001:db8::1/128", "2001:db8::1/128", true, true),
        ("2001:db8::1/128", "2001:db8::2/128", false, false),
        ("2001:db8::/64", "2001:db8::1/128", true, true),
        ("fe80::/10", "2001:db8::/32", false, false),
    ]

    @Test(arguments: prefixRelations)
    func containsAndOverlapsPrefix(outer: String, inner: String, contains: Bool, overlaps: Bool) throws {
        let a = try IPv6Prefix(outer)
        let b = try IPv6Prefix(inner)
        #expect(a.contains(b) == contains)
        #expect(a.overlaps(b) == overlaps)
        #expect(b.overlaps(a) == overlaps)
    }

    static let classification: [(String, Bool, Bool)] = [
        ("2001:db8::/32", true, false),
        ("2000::/3", true, false),
        ("4000::/3", false, false),
        ("::/2", false, false),
        ("::/0", false, false),
        ("fe80::/10", false, true),
        ("fe80::/9", false, false),
        ("fe80::/64", false, true),
        ("fc00::/7", false, false),
    ]

    @Test(arguments: classification)
    func classifies(text: String, global: Bool, linkLocal: Bool) throws {
        let prefix = try IPv6Prefix(text)
        #expect(prefix.isGlobalUnicast == global)
        #expect(prefix.isLinkLocal == linkLocal)
    }

    @Test func lastAddress() throws {
        #expect(try IPv6Prefix("2001:db8:1200::/56").lastAddress == IPv6Address("2001:db8:1200:ff:ffff:ffff:ffff:ffff"))
        #expect(try IPv6Prefix("2001:db8::1/128").lastAddress == IPv6Address("2001:db8::1"))
        #expect(try IPv6Prefix("::/0").lastAddress == IPv6Address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
    }

    @Test func ordersByAddressThenLength() throws {
        let texts = ["2001:db8:1::/48", "2001:db8::/48", "2001:db8::/32", "::/0", "2001:db8::/64", "fe80::/10"]
        let sorted = try texts.map(IPv6Prefix.init).sorted().map(\.description)
        #expect(sorted == ["::/0", "2001:db8::/32", "2001:db8::/48", "2001:db8::/64", "2001:db8:1::/48", "fe80::/10"])
    }
}
