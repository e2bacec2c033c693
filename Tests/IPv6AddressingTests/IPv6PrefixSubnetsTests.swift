import IPv6Addressing
import Testing

@Suite struct IPv6PrefixSubnetsTests {
    @Test func splitsA56Into256Slash64s() throws {
        let pool = try IPv6Prefix("2001:db8:1200::/56")
        let children = try pool.subnets(ofLength: 64)
        #expect(children.count == 256)
        #expect(children.first?.description == "2001:db8:1200::/64")
        #expect(children.dropFirst().first?.description == "2001:db8:1200:1::/64")
        #expect(children.last?.description == "2001:db8:1200:ff::/64")
        #expect(children == children.sorted())
        #expect(Set(children).count == 256)
        #expect(children.allSatisfy { pool.contains($0) && $0.length == 64 })
    }

    @Test func splitIntoSameLengthIsItself() throws {
        let prefix = try IPv6Prefix("2001:db8:1000::/48")
        #expect(try prefix.subnets(ofLength: 48) == [prefix])
    }

    @Test func splitsIntoHostRoutes() throws {
        let children = try IPv6Prefix("2001:db8::/126").subnets(ofLength: 128).map(\.description)
        #expect(children == ["2001:db8::/128", "2001:db8::1/128", "2001:db8::2/128", "2001:db8::3/128"])
    }

    @Test func splitsAcrossTheHalves() throws {
        let children = try IPv6Prefix("2001:db8::/63").subnets(ofLength: 65).map(\.description)
        #expect(children == ["2001:db8::/65", "2001:db8:0:0:8000::/65", "2001:db8:0:1::/65", "2001:db8:0:1:8000::/65"])
    }

    @Test func splitsExactly65536() throws {
        let children = try IPv6Prefix("2001:db8:1000::/48").subnets(ofLength: 64)
        #expect(children.count == 65536)
        #expect(children.last?.description == "2001:db8:1000:ffff::/64")
    }

    @Test(arguments: [(32, 64), (0, 128), (48, 65), (0, 17)])
    func refusesMoreThan65536Subnets(parent: Int, child: Int) throws {
        let prefix = try IPv6Prefix(masking: IPv6Address("2001:db8::"), length: parent)
        let error = try #require(throws: IPv6AddressingError.self) { try prefix.subnets(ofLength: child) }
        #expect(error.code == .tooManySubnets)
        #expect(error.message == "splitting into /\(child) gives 2^\(child - parent) subnets; at most 2^16 are listed")
    }

    @Test(arguments: [47, 0, -1, 129])
    func refusesChildLengthOutsideRange(child: Int) throws {
        let prefix = try IPv6Prefix("2001:db8:1000::/48")
        let listError = try #require(throws: IPv6AddressingError.self) { try prefix.subnets(ofLength: child) }
        #expect(listError.code == .invalidLength)
        #expect(listError.message == "subnet length \(child) is outside 48...128")
        let oneError = try #require(throws: IPv6AddressingError.self) { try prefix.subnet(ofLength: child, index: 0) }
        #expect(oneError.code == .invalidLength)
    }

    static let children: [(String, Int, Int, String)] = [
        ("2001:db8:1200::/56", 64, 0, "2001:db8:1200::/64"),
        ("2001:db8:1200::/56", 64, 16, "2001:db8:1200:10::/64"),
        ("2001:db8:1200::/56", 64, 255, "2001:db8:1200:ff::/64"),
        ("2001:db8::/32", 48, 0x1000, "2001:db8:1000::/48"),
        ("2001:db8::/32", 64, 0x1000_0010, "2001:db8:1000:10::/64"),
        ("2001:db8::/32", 32, 0, "2001:db8::/32"),
        ("2001:db8::/64", 128, 1, "2001:db8::1/128"),
        ("::/0", 128, Int.max, "::7fff:ffff:ffff:ffff/128"),
        ("::/0", 1, 1, "8000::/1"),
    ]

    @Test(arguments: children)
    func childAtIndex(parent: String, length: Int, index: Int, expected: String) throws {
        let child = try IPv6Prefix(parent).subnet(ofLength: length, index: index)
        #expect(child.description == expected)
    }

    @Test func childAtIndexMatchesTheList() throws {
        let pool = try IPv6Prefix("2001:db8:1200::/56")
        let all = try pool.subnets(ofLength: 64)
        for index in [0, 1, 100, 255] {
            #expect(try pool.subnet(ofLength: 64, index: index) == all[index])
        }
    }

    @Test(arguments: [("2001:db8:1200::/56", 64, 256), ("2001:db8:1200::/56", 64, -1), ("2001:db8::/64", 64, 1)])
    func refusesIndexOutOfRange(parent: String, length: Int, index: Int) throws {
        let prefix = try IPv6Prefix(parent)
        let error = try #require(throws: IPv6AddressingError.self) {
            try prefix.subnet(ofLength: length, index: index)
        }
        #expect(error.code == .subnetIndexOutOfRange)
        #expect(error.message == "index \(index) is outside the \(1 << (length - prefix.length)) /\(length) subnets")
    }

    static let hosts: [(String, String, String)] = [
        ("2001:db8:1000::/48", "::1", "2001:db8:1000::1"),
        ("2001:db8:1000::/48", "::10:0:0:0:1", "2001:db8:1000:10::1"),
        ("2001:db8:1000::/48", "::10:0:0:1", "2001:db8:1000::10:0:0:1"),
        ("2001:db8:1000:10::/64", "::", "2001:db8:1000:10::"),
        ("2001:db8:1000:10::/64", "::a:b:c:d", "2001:db8:1000:10:a:b:c:d"),
        ("2001:db8:1000:10::/64", "::ffff:ffff:ffff:ffff", "2001:db8:1000:10:ffff:ffff:ffff:ffff"),
        ("::/0", "2001:db8::1", "2001:db8::1"),
        ("2001:db8::1/128", "::", "2001:db8::1"),
    ]

    @Test(arguments: hosts)
    func addressWithHostPart(prefix: String, host: String, expected: String) throws {
        let address = try IPv6Prefix(prefix).address(host: IPv6Address(host))
        #expect(address == (try IPv6Address(expected)))
    }

    static let hostsOutside: [(String, String)] = [
        ("2001:db8:1000::/48", "1::1"),
        ("2001:db8:1000::/48", "0:0:1::"),
        ("2001:db8:1000:10::/64", "0:0:0:1::1"),
        ("2001:db8::1/128", "::1"),
    ]

    @Test(arguments: hostsOutside)
    func refusesHostWithBitsInsideThePrefix(prefix: String, host: String) throws {
        let parsed = try IPv6Prefix(prefix)
        let hostAddress = try IPv6Address(host)
        let error = try #require(throws: IPv6AddressingError.self) { try parsed.address(host: hostAddress) }
        #expect(error.code == .hostOutsidePrefix)
        #expect(error.message == "host \(hostAddress) has bits inside the first \(parsed.length) bits of \(parsed)")
    }
}
