import Foundation
import HostUpAPI
import Testing

@Suite struct RequestEncodingTests {
    private func object(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    @Test func allocatePoolBodyMatchesTheSeedPagesExample() throws {
        let encoded = try object(JSONEncoder().encode(RoutedIPv6Request.allocatePool))
        let example = try object(Fixture.data("allocate-pool-request"))
        #expect(encoded == example)
    }

    @Test func createRouteEncodesTheActionAndOmitsUnsetOptionals() throws {
        let request = CreateRouteRequest(
            poolId: "ripv6_01hxa3b4c5d6e7f8g9h0j1k2m3",
            vpsId: "vps_01hxa3b4c5d6e7f8g9h0j1k2m5",
            prefixLength: 64
        )
        let encoded = try object(JSONEncoder().encode(request))
        #expect(
            encoded
                == [
                    "action": "create_route", "poolId": "ripv6_01hxa3b4c5d6e7f8g9h0j1k2m3",
                    "vpsId": "vps_01hxa3b4c5d6e7f8g9h0j1k2m5", "prefixLength": 64,
                ] as NSDictionary)
    }

    @Test func createRouteRoundTripsThroughTheGenericRequestBody() throws {
        let request = CreateRouteRequest(
            poolId: "ripv6_01hxa3b4c5d6e7f8g9h0j1k2m3",
            vpsId: "vps_01hxa3b4c5d6e7f8g9h0j1k2m5",
            prefixLength: 56,
            prefix: "2001:db8:1000:100::/56",
            label: "web subnet"
        )
        let data = try JSONEncoder().encode(request)
        let generic = try JSONDecoder().decode(RoutedIPv6Request.self, from: data)
        #expect(generic == RoutedIPv6Request(request))
        #expect(generic.action == .createRoute)
        #expect(try JSONDecoder().decode(CreateRouteRequest.self, from: data) == request)
    }
}
