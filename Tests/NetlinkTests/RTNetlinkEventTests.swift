import IPv6Addressing
import Testing

@_spi(Testing) @testable import Netlink

/// Announcements captured from the kernel decode into ``RTNetlinkEvent`` values; others are skipped.
@Suite struct RTNetlinkEventTests {
    private func events(_ datagram: [UInt8]) -> [RTNetlinkEvent] {
        let outcome = datagram.withUnsafeBytes { MessageReader.read($0, portID: 0) }
        return outcome.messages.compactMap(RTNetlinkEvent.init(message:))
    }

    @Test func decodesForwardingOfAll() {
        #expect(events(Fixture.netconfForwardingAll) == [.netconf(IPv6Netconf(interface: .all, forwarding: true))])
    }

    @Test func decodesADeletedLink() throws {
        let event = try #require(events(Fixture.vethDeleted).first)
        guard case .deletedLink(let link) = event else {
            Issue.record("expected a deleted link, got \(event)")
            return
        }
        #expect(link.ifindex == 3)
        #expect(link.name == "hu0")
        #expect(link.kind == "veth")
    }

    @Test func skipsABridgePortLeavingItsBridge() {
        // RTM_DELLINK of family AF_BRIDGE: hu1 left the bridge but still exists.
        #expect(events(Fixture.bridgePortDeleted).isEmpty)
    }

    @Test func marksARouteReplacement() throws {
        #expect(
            events(Fixture.routeReplaced) == [
                .newRoute(
                    Route(
                        destination: try IPv6Prefix("2001:db8:1000::/48"),
                        table: .main,
                        routeProtocol: .hostup,
                        outputInterface: 3,
                        metric: UInt32.max
                    ),
                    replaces: true
                )
            ]
        )
    }

    @Test func decodesADeletedAddress() throws {
        let event = try #require(events(Fixture.addressDeleted).first)
        guard case .deletedAddress(let address) = event else {
            Issue.record("expected a deleted address, got \(event)")
            return
        }
        #expect(address.ifindex == 1)
        #expect(address.address == (try IPv6Address("2001:db8::1")))
        #expect(address.prefixLength == 128)
    }

    @Test func dumpAnswersAndAcknowledgementsAreNoEvents() {
        // A dump's messages are RTM_NEW*; NLMSG_DONE and NLMSG_ERROR are no announcements.
        #expect(events(Fixture.dumpDone).isEmpty)
        #expect(events(Fixture.ackAddressExists).isEmpty)
    }

    @Test(arguments: 0..<36)
    func truncatedNetconfNeverDecodesWrongly(_ length: Int) {
        // Cut at every length, with nlmsg_len fixed up to match: nothing but nil or the real value comes out.
        var datagram = Array(Fixture.netconfForwardingAll.prefix(length))
        if datagram.count >= 4 {
            withUnsafeBytes(of: UInt32(datagram.count)) { datagram.replaceSubrange(0..<4, with: $0) }
        }
        for event in events(datagram) {
            #expect(event == .netconf(IPv6Netconf(interface: .all, forwarding: true)) || event == .netconf(
                IPv6Netconf(interface: .all)))
        }
        _ = DatagramDecoding.decodeAll(datagram)
    }
}
