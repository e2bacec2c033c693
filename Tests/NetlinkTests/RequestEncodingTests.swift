import IPv6Addressing
import Testing

@testable import Netlink

/// Requests laid out by `MessageBuilder` must match, byte for byte, what iproute2 sends for the same command.
@Suite struct RequestEncodingTests {
    @Test func addAddressWithNodadAndNoPrefixRouteMatchesIproute2() throws {
        let address = InterfaceAddress(
            ifindex: 1,
            address: try IPv6Address("2001:db8::1"),
            prefixLength: 128,
            flags: [.nodad, .noPrefixRoute]
        )
        #expect(
            RTNetlinkRequest.addAddress(address).encode(sequence: Fixture.sequence)
                == Fixture.addAddressNodadNoPrefixRoute
        )
    }

    @Test func narrowFlagsGoInTheHeaderByte() throws {
        let address = InterfaceAddress(
            ifindex: 1,
            address: try IPv6Address("2001:db8:1:2::5"),
            prefixLength: 64,
            flags: .nodad
        )
        #expect(RTNetlinkRequest.addAddress(address).encode(sequence: Fixture.sequence) == Fixture.addAddressNodad64)
    }

    @Test func removeAddressMatchesIproute2() throws {
        // Flags and protocol do not matter for removal and are not sent.
        let address = InterfaceAddress(
            ifindex: 1,
            address: try IPv6Address("2001:db8:1:2::5"),
            prefixLength: 64,
            flags: .nodad,
            addressProtocol: .hostup
        )
        #expect(RTNetlinkRequest.removeAddress(address).encode(sequence: Fixture.sequence) == Fixture.removeAddress64)
    }

    @Test func localRouteMatchesIproute2() throws {
        let route = Route(
            destination: try IPv6Prefix("2001:db8:1000::/48"),
            type: .local,
            table: .local,
            routeProtocol: .hostup,
            outputInterface: 1,
            metric: 5
        )
        #expect(RTNetlinkRequest.addRoute(route).encode(sequence: Fixture.sequence) == Fixture.addLocalRoute)
    }

    @Test func unreachableRouteNeedsNoInterface() throws {
        let route = Route(
            destination: try IPv6Prefix("2001:db8:1000::/48"),
            type: .unreachable,
            metric: UInt32.max
        )
        #expect(RTNetlinkRequest.addRoute(route).encode(sequence: Fixture.sequence) == Fixture.addUnreachableRoute)
    }

    @Test func tablesAbove255TravelInRTATable() throws {
        let route = Route(
            destination: try IPv6Prefix("2001:db8:2000::/64"),
            table: RouteTable(rawValue: 1000),
            outputInterface: 1,
            gateway: try IPv6Address("fe80::1")
        )
        #expect(
            RTNetlinkRequest.replaceRoute(route).encode(sequence: Fixture.sequence) == Fixture.replaceRouteTable1000
        )
    }

    @Test func addressProtocolAndLifetimesAreAppended() throws {
        let address = InterfaceAddress(
            ifindex: 7,
            address: try IPv6Address("2001:db8::1"),
            prefixLength: 128,
            flags: [.nodad, .noPrefixRoute],
            addressProtocol: .hostup,
            validLifetimeSeconds: 600,
            preferredLifetimeSeconds: 300
        )
        let bytes = RTNetlinkRequest.replaceAddress(address).encode(sequence: 9)
        // nlmsghdr + ifaddrmsg, IFA_LOCAL(20), IFA_FLAGS(8), IFA_ADDRESS(20), IFA_CACHEINFO(20), IFA_PROTO(5 → 8).
        #expect(bytes.count == 16 + 8 + 20 + 8 + 20 + 20 + 8)
        // NLM_F_REQUEST|NLM_F_ACK|NLM_F_REPLACE|NLM_F_CREATE = 0x0505.
        #expect(Array(bytes[6..<8]) == [0x05, 0x05])
        #expect(Array(bytes[bytes.count - 8..<bytes.count]) == [0x05, 0x00, 0x0b, 0x00, 201, 0, 0, 0])
        // ifa_cacheinfo: preferred 300, valid 600, two zero timestamps.
        #expect(Array(bytes[76..<84]) == [0x2c, 0x01, 0, 0, 0x58, 0x02, 0, 0])
    }

    @Test func removeRouteCarriesMetricAndProtocol() throws {
        let route = Route(destination: try IPv6Prefix("2001:db8:1000::/48"), type: .unreachable, metric: UInt32.max)
        let bytes = RTNetlinkRequest.removeRoute(route).encode(sequence: 1)
        let message = try #require(RawMessage(bytes: bytes))
        #expect(message.type == 25)  // RTM_DELROUTE
        #expect(message.flags == 0x0005)  // NLM_F_REQUEST|NLM_F_ACK
        #expect(Route(message: message) == route)
    }

    @Test func setLinkUpChangesOnlyIFFUp() {
        let bytes = Link.encodeSetState(index: 3, up: true, sequence: 2)
        #expect(
            bytes == [
                0x20, 0, 0, 0, 0x10, 0, 0x05, 0, 2, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
            ]
        )
    }
}
