import Foundation
import Testing

@testable import HostUpAPI

/// One odd route (or pool, or destination) anywhere in the account must not stop the others from decoding.
@Suite struct PerRouteDecodingTests {
    static let good = """
        {"id": "ripv6rt_good", "prefix": "2001:db8:1000:10::/64", "prefixLength": 64, "nextHop": "2001:db8::10",
         "label": "web", "vpsId": "vps_self", "status": "active"}
        """

    static func document(pool: String? = nil, routes: [String], destinations: String = "[]") -> Data {
        let pool =
            pool ?? #""id": "ripv6_pool", "parentCidr": "2001:db8:1000::/48", "prefixLength": 48, "status": "active""#
        let text = """
            {"available": true, "pools": [{\(pool), "routes": [\(routes.joined(separator: ", "))]}],
             "destinations": \(destinations)}
            """
        return Data(text.utf8)
    }

    static func decode(_ data: Data) throws -> RoutedIPv6State {
        try JSONDecoder().decode(RoutedIPv6State.self, from: data)
    }

    /// Routes that do not decode, each with the field the reason must name.
    @Test(arguments: [
        (#"{"id": "r_odd", "prefix": "2001:db8:1000:20::/64", "prefixLength": 64, "vpsId": 12345, "status": "active"}"#, "vpsId: expected a string", "r_odd"),
        (#"{"id": "r_odd", "prefix": "2001:db8:1000:20::/64", "prefixLength": 64, "vpsId": null, "status": "active"}"#, "vpsId", "r_odd"),
        (#"{"id": "r_odd", "prefix": "2001:db8:1000:20::/64", "prefixLength": "64", "vpsId": "vps_x", "status": "active"}"#, "prefixLength", "r_odd"),
        (#"{"id": "r_odd", "prefix": 42, "prefixLength": 64, "vpsId": "vps_x", "status": "active"}"#, "prefix", "r_odd"),
        (#"{"id": "r_odd", "prefix": "2001:db8:1000:20::/64", "prefixLength": 64, "vpsId": "vps_x", "status": 1}"#, "status", "r_odd"),
        (#"{"id": "r_odd", "prefix": "2001:db8:1000:20::/64", "prefixLength": 64.5, "vpsId": "vps_x", "status": "active"}"#, "unreadable value", "r_odd"),
        (#"{"id": "r_odd", "prefix": "2001:db8:1000:20::/64", "prefixLength": 64, "vpsId": "vps_x", "status": "active", "label": 5}"#, "label", "r_odd"),
        (#"{"id": "r_odd", "prefix": "2001:db8:1000:20::/64", "prefixLength": 64, "vpsId": "vps_x", "status": "active", "nextHop": []}"#, "nextHop", "r_odd"),
        (#"{"id": 7, "prefix": "2001:db8:1000:20::/64", "prefixLength": 64, "vpsId": "vps_x", "status": "active"}"#, "id", nil),
        (#"{"prefix": "2001:db8:1000:20::/64", "prefixLength": 64, "vpsId": "vps_x", "status": "active"}"#, "id", nil),
        ("12345", "the entry: expected an object", nil), (#""a string""#, "the entry: expected an object", nil),
        ("null", "the entry: null", nil), ("[]", "the entry: expected an object", nil),
    ] as [(String, String, String?)])
    func anOddRouteIsSetAsideAndTheOthersDecode(odd: String, field: String, id: String?) throws {
        let state = try Self.decode(Self.document(routes: [odd, Self.good]))
        let pool = try #require(state.pools.first)
        #expect(pool.routes.map(\.id) == ["ripv6rt_good"])
        #expect(state.undecodedRoutes.count == 1)
        let undecoded = try #require(state.undecodedRoutes.first)
        #expect(undecoded.id == id)
        #expect(undecoded.index == 0)
        #expect(undecoded.poolID == "ripv6_pool")
        #expect(undecoded.reason.hasPrefix(field), "\(undecoded.reason)")
        #expect(undecoded.description.contains("does not decode"))
    }

    @Test func theVpsIdOfAnOddRouteIsKeptWhenItIsAString() throws {
        let odd = #"{"id": "r_odd", "prefix": "x", "prefixLength": "64", "vpsId": "vps_self", "status": "active"}"#
        let state = try Self.decode(Self.document(routes: [odd]))
        #expect(state.undecodedRoutes.first?.vpsId == "vps_self")
    }

    @Test func descriptiveFieldsOfAnotherTypeAreReadAsNil() throws {
        let route = #"{"id": "r1", "prefix": "2001:db8:1000:20::/64", "prefixLength": 64, "vpsId": "vps_x", "status": "active", "vpsName": 3, "allocatedAt": false, "updatedAt": {}, "actions": "none"}"#
        let state = try Self.decode(Self.document(routes: [route]))
        let decoded = try #require(state.pools.first?.routes.first)
        #expect(decoded.vpsName == nil && decoded.allocatedAt == nil && decoded.updatedAt == nil && decoded.actions == nil)
        #expect(state.undecodedRoutes.isEmpty)
    }

    @Test func aPoolThatDoesNotDecodeHasItsRoutesReadLoosely() throws {
        let pool = #""id": "ripv6_bad", "parentCidr": 5, "prefixLength": 48, "status": "active""#
        let state = try Self.decode(Self.document(pool: pool, routes: [Self.good]))
        #expect(state.pools.isEmpty)
        #expect(state.undecodedRoutes.map(\.id) == ["ripv6rt_good"])
        #expect(state.undecodedRoutes.first?.vpsId == "vps_self")
        #expect(state.undecodedRoutes.first?.reason.contains("parentCidr") == true)
    }

    @Test func aPoolWhoseRoutesCannotBeReadIsOneUnknownEntry() throws {
        let data = Data(#"{"pools": [{"id": "p", "routes": 5}, 17]}"#.utf8)
        let state = try Self.decode(data)
        #expect(state.pools.isEmpty)
        #expect(state.undecodedRoutes.count == 2)
        #expect(state.undecodedRoutes.allSatisfy { $0.id == nil && $0.vpsId == nil })
    }

    @Test func oddDestinationsAndAccountFieldsDoNotFailTheDocument() throws {
        let destinations = #"[{"vpsId": 5}, {"vpsId": "vps_self", "nextHop": "2001:db8::10"}, "x"]"#
        var text = String(decoding: Self.document(routes: [Self.good], destinations: destinations), as: UTF8.self)
        text = text.replacingOccurrences(of: #""available": true"#, with: #""available": "yes", "allowedPrefixLengths": "all""#)
        let state = try Self.decode(Data(text.utf8))
        #expect(state.destinations?.map(\.vpsId) == ["vps_self"])
        #expect(state.available == nil)
        #expect(state.allowedPrefixLengths == nil)
        #expect(state.pools.first?.routes.count == 1)
    }

    /// Only an envelope that does not decode is a failed fetch.
    @Test(arguments: ["[]", "5", #""pools""#, "{}", #"{"pools": {}}"#, #"{"pools": null}"#, #"{"pools": "[]"}"#, "", "{"])
    func anEnvelopeThatDoesNotDecodeFails(text: String) {
        #expect(throws: (any Error).self) { try Self.decode(Data(text.utf8)) }
    }
}
