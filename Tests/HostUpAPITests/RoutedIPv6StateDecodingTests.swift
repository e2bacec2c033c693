import Foundation
@testable import HostUpAPI
import Testing

@Suite struct RoutedIPv6StateDecodingTests {
    @Test func decodesTheSeedPagesAllocatePoolResponse() throws {
        let state = try JSONDecoder().decode(RoutedIPv6State.self, from: Fixture.data("allocate-pool-response"))
        #expect(state.available == true)
        #expect(state.reason == nil)
        #expect(state.allowedPrefixLengths == [48, 56, 64])
        #expect(state.pools.isEmpty)
        #expect(state.destinations == [])
        #expect(state.actions?.canAllocatePool == ActionGate(allowed: true, reason: nil))
        #expect(
            state.actions?.canCreateRoute
                == ActionGate(allowed: false, reason: "Add a routed /48 before creating routes."))
    }

    @Test func decodesAFullDocumentWithTheFieldListsExampleValues() throws {
        let state = try JSONDecoder().decode(RoutedIPv6State.self, from: Fixture.data("state-full"))
        let pool = try #require(state.pools.first)
        #expect(state.pools.count == 1)
        #expect(pool.id == "ripv6_01hxa3b4c5d6e7f8g9h0j1k2m3")
        #expect(pool.parentCidr == "2001:db8:1000::/48")
        #expect(pool.prefixLength == 48)
        #expect(pool.status == .active)
        #expect(pool.allocatedAt == "2026-06-15T12:00:00.000Z")
        #expect(pool.actions?.canRelease.allowed == false)
        #expect(pool.routes.count == 2)

        let first = HostUpAPI.Route(
            id: "ripv6rt_01hxa3b4c5d6e7f8g9h0j1k2m4",
            prefix: "2001:db8:1000:10::/64",
            prefixLength: 64,
            nextHop: "2001:db8::10",
            label: "web subnet",
            vpsId: "vps_01hxa3b4c5d6e7f8g9h0j1k2m5",
            vpsName: "web-01",
            status: .active,
            allocatedAt: "2026-06-15T12:01:00.000Z",
            updatedAt: "2026-06-15T12:01:00.000Z",
            actions: RouteActions(canDelete: ActionGate(allowed: true))
        )
        #expect(pool.routes[0] == first)
        #expect(pool.routes[1].prefix == "2001:db8:1000:100::/56")
        #expect(pool.routes[1].prefixLength == 56)
        #expect(pool.routes[1].label == nil)
        #expect(pool.routes[1].allocatedAt == nil)

        #expect(
            state.destinations == [
                Destination(
                    vpsId: "vps_01hxa3b4c5d6e7f8g9h0j1k2m5",
                    name: "web-01",
                    primaryIp: "192.0.2.10",
                    nextHop: "2001:db8::10",
                    serviceStatus: "active",
                    actions: DestinationActions(canReceiveRoute: ActionGate(allowed: true))
                )
            ])
        #expect(state.actions?.canAllocatePool.reason == "The account already has a routed /48.")
    }

    @Test func encodingRoundTripsAndWritesNullForStringNullFields() throws {
        let state = try JSONDecoder().decode(RoutedIPv6State.self, from: Fixture.data("state-full"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(state)
        #expect(try JSONDecoder().decode(RoutedIPv6State.self, from: data) == state)
        let text = try #require(String(data: data, encoding: .utf8))
        #expect(text.contains(#""label":null"#))
        #expect(text.contains(#""allocatedAt":null"#))
        #expect(text.contains(#""reason":null"#))
    }

    @Test(arguments: [#"{"allowed":true}"#, #"{"allowed":true,"reason":null}"#])
    func stringNullFieldsAcceptNullAndMissing(json: String) throws {
        let gate = try JSONDecoder().decode(ActionGate.self, from: Data(json.utf8))
        #expect(gate == ActionGate(allowed: true, reason: nil))
    }

    @Test func toleratesUnknownFieldsAndKeepsUnknownStatusValues() throws {
        let state = try JSONDecoder().decode(RoutedIPv6State.self, from: Fixture.data("state-unknown-fields"))
        let pool = try #require(state.pools.first)
        let route = try #require(pool.routes.first)
        #expect(pool.status == PoolStatus(rawValue: "draining"))
        #expect(route.status.rawValue == "provisioning")
        #expect(route.status != .active)
        #expect(route.actions?.canDelete.reason == "Route is still provisioning.")

        let reencoded = try JSONEncoder().encode(state)
        let again = try JSONDecoder().decode(RoutedIPv6State.self, from: reencoded)
        #expect(again.pools.first?.routes.first?.status == RouteStatus(rawValue: "provisioning"))
    }

    @Test func poolsThatAreNotAnArrayFailToDecode() throws {
        let error = try #require(throws: DecodingError.self) {
            try JSONDecoder().decode(RoutedIPv6State.self, from: Fixture.data("state-pools-object"))
        }
        guard case .typeMismatch(_, let context) = error else {
            Issue.record("expected typeMismatch, got \(error)")
            return
        }
        #expect(DecodingErrorDescription.path(context.codingPath) == "pools")
    }

    @Test func aRouteMissingARequiredFieldIsSetAsideNamingIt() throws {
        let state = try JSONDecoder().decode(RoutedIPv6State.self, from: Fixture.data("state-route-missing-prefix"))
        #expect(state.pools.first?.routes.count == 1)
        let undecoded = try #require(state.undecodedRoutes.first)
        #expect(undecoded.index == 1)
        #expect(undecoded.reason == "prefix: missing")
    }

    @Test func missingPoolsFailsToDecode() throws {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(RoutedIPv6State.self, from: Data(#"{"available":true}"#.utf8))
        }
    }
}
