import IPv6Addressing
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@Suite struct CodableTests {
    private struct Document: Codable, Equatable {
        var address: IPv6Address
        var prefix: IPv6Prefix
    }

    @Test func encodesAsCanonicalStrings() throws {
        let document = Document(
            address: try IPv6Address("2001:DB8:0:0:0:0:0:1"),
            prefix: try IPv6Prefix("2001:0db8:1000:0010::/64")
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(document), as: UTF8.self)
        #expect(json == #"{"address":"2001:db8::1","prefix":"2001:db8:1000:10::\/64"}"#)
        #expect(try JSONDecoder().decode(Document.self, from: Data(json.utf8)) == document)
    }

    @Test func decodesAnyRFC4291Form() throws {
        let json = #"{"address":"::FFFF:192.0.2.1","prefix":"64:ff9b::/96"}"#
        let document = try JSONDecoder().decode(Document.self, from: Data(json.utf8))
        #expect(document.address.description == "::ffff:192.0.2.1")
        #expect(document.prefix.description == "64:ff9b::/96")
    }

    @Test(arguments: [
        (#"{"address":"2001:db8::1::","prefix":"2001:db8::/32"}"#, "more than one '::'", "address"),
        (
            #"{"address":"2001:db8::1","prefix":"2001:db8::1/32"}"#,
            "host bits set; did you mean 2001:db8::/32?", "prefix"
        ),
        (#"{"address":"2001:db8::1","prefix":"2001:db8::"}"#, "missing '/' and prefix length", "prefix"),
    ])
    func decodingErrorCarriesTheReason(json: String, reason: String, key: String) throws {
        let error = try #require(throws: DecodingError.self) {
            try JSONDecoder().decode(Document.self, from: Data(json.utf8))
        }
        guard case .dataCorrupted(let context) = error else {
            Issue.record("expected dataCorrupted, got \(error)")
            return
        }
        #expect(context.debugDescription.hasSuffix(reason))
        #expect(context.codingPath.map(\.stringValue) == [key])
        #expect((context.underlyingError as? IPv6AddressingError)?.message == reason)
    }

    @Test func decodingRefusesNonString() throws {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([IPv6Address].self, from: Data("[42]".utf8))
        }
    }
}
