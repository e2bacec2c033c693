import IPv6Addressing
import SystemPackage
import Testing

@testable import Netlink

/// Kernel messages captured from a real dump are decoded into the Swift types.
@Suite struct MessageDecodingTests {
    private func read(_ datagram: [UInt8]) -> ReadOutcome {
        datagram.withUnsafeBytes { MessageReader.read($0, portID: 0) }
    }

    @Test func decodesAnAddressDump() throws {
        let outcome = read(Fixture.addressDump)
        // Two addresses, then NLMSG_DONE in the same datagram.
        #expect(outcome.messages.count == 3)
        #expect(outcome.finishedSequences == [1_795_990_541])
        let addresses = outcome.messages.compactMap(InterfaceAddress.init(message:))
        let ours = InterfaceAddress(
            ifindex: 1,
            address: try IPv6Address("2001:db8::1"),
            prefixLength: 128,
            flags: [.nodad, .permanent, .noPrefixRoute],
            scope: .universe,
            addressProtocol: nil,
            validLifetimeSeconds: UInt32.max,
            preferredLifetimeSeconds: UInt32.max
        )
        #expect(addresses.first == ours)
        #expect(addresses.last?.address == .loopback)
        #expect(addresses.last?.scope == .host)
        #expect(addresses.last?.addressProtocol == .kernelLoopback)
    }

    @Test func decodesARouteDump() throws {
        let outcome = read(Fixture.routeDump)
        let routes = outcome.messages.compactMap(Route.init(message:))
        #expect(routes.count == 4)
        #expect(
            routes.first
                == Route(
                    destination: try IPv6Prefix("2001:db8:1000::/48"),
                    type: .unreachable,
                    table: .main,
                    routeProtocol: .hostup,
                    outputInterface: 1,
                    metric: UInt32.max
                )
        )
        let local = try #require(routes.last)
        #expect(local.type == .local)
        #expect(local.table == .local)
        #expect(local.routeProtocol == .hostup)
        #expect(local.metric == 5)
        #expect(routes.dropFirst().dropLast().allSatisfy { $0.routeProtocol == .kernel && $0.type == .local })
    }

    @Test func recognisesTheEndOfADump() {
        let outcome = read(Fixture.dumpDone)
        #expect(outcome.finishedSequences == [1_795_990_540])
        #expect(outcome.messages.first?.doneErrno == 0)
    }

    @Test func flagsAnInterruptedDumpAndStillFindsItsEnd() throws {
        // Set NLM_F_DUMP_INTR (0x10) on the first address: mnl_cb_run2 stops there with EINTR, and the
        // reader still reports the sequence as interrupted and finished (NLMSG_DONE follows).
        var datagram = Fixture.addressDump
        datagram[6] |= 0x10
        let outcome = read(datagram)
        #expect(outcome.interruptedSequences == [1_795_990_541])
        #expect(outcome.finishedSequences == [1_795_990_541])
    }

    @Test func decodesALinkWithItsKind() throws {
        let message = try #require(RawMessage(bytes: Fixture.vethLink))
        let link = try #require(Link(message: message))
        #expect(link == Link(ifindex: 3, name: "veth0", isUp: false, isLowerUp: false, isLoopback: false, kind: "veth"))
    }

    @Test func decodesASuccessfulCappedAck() throws {
        let outcome = read(Fixture.ackSuccess)
        #expect(outcome.finishedSequences == [Fixture.sequence])
        #expect(outcome.messages.first?.acknowledgement == Acknowledgement(errno: 0, extendedAck: nil))
    }

    @Test func decodesAnErrorWithTheWholeRequestEchoedAndAnExtendedAck() throws {
        let message = try #require(RawMessage(bytes: Fixture.ackAddressExists))
        let acknowledgement = try #require(message.acknowledgement)
        #expect(Errno(rawValue: acknowledgement.errno) == .fileExists)
        #expect(acknowledgement.extendedAck == "ipv6: address already assigned")
        #expect(NetlinkError.Code.forAddressRequest(.fileExists) == .exists)
    }

    @Test func decodesAnInvalidArgumentExtendedAck() throws {
        let message = try #require(RawMessage(bytes: Fixture.ackEgressLoopback))
        let acknowledgement = try #require(message.acknowledgement)
        #expect(Errno(rawValue: acknowledgement.errno) == .invalidArgument)
        #expect(acknowledgement.extendedAck == "Egress device can not be loopback device for this route")
    }

    @Test func decodesAnErrorWithoutTLVs() throws {
        let message = try #require(RawMessage(bytes: Fixture.ackRouteMissing))
        #expect(message.acknowledgement == Acknowledgement(errno: Errno.noSuchProcess.rawValue, extendedAck: nil))
        #expect(NetlinkError.Code.forRouteRequest(.noSuchProcess) == .notFound)
    }

    @Test func decodesACappedErrorWithExtendedAck() throws {
        // What the kernel sends us (NETLINK_CAP_ACK on): nlmsgerr with only the request's header, then TLVs.
        // NLMSG_ERROR with NLM_F_CAPPED|NLM_F_ACK_TLVS, sequence 7.
        var bytes: [UInt8] = [0, 0, 0, 0, 0x02, 0x00, 0x00, 0x03, 7, 0, 0, 0, 0, 0, 0, 0]
        bytes += [0xef, 0xff, 0xff, 0xff]  // -EEXIST
        bytes += [0x48, 0, 0, 0, 0x14, 0, 0x05, 0x06, 7, 0, 0, 0, 0, 0, 0, 0]  // echoed header
        bytes += [0x08, 0, 0x01, 0, 0x61, 0x62, 0x63, 0]  // NLMSGERR_ATTR_MSG "abc"
        bytes[0] = UInt8(bytes.count)
        let message = try #require(RawMessage(bytes: bytes))
        #expect(message.acknowledgement == Acknowledgement(errno: 17, extendedAck: "abc"))
    }
}

/// Kernel data that is odd or broken is skipped, never trusted, never a crash.
@Suite struct MalformedMessageTests {
    @Test func unknownAttributesAreSkipped() throws {
        // Splice an attribute of type 0x7ff (unknown) between IFA_LOCAL and IFA_FLAGS.
        let original = Fixture.addAddressNodadNoPrefixRoute
        var bytes = Array(original[0..<44]) + [8, 0, 0xff, 0x07, 1, 2, 3, 4] + Array(original[44...])
        bytes[0] = UInt8(bytes.count)
        let message = try #require(RawMessage(bytes: bytes))
        let address = try #require(InterfaceAddress(message: message))
        #expect(address.address == (try IPv6Address("2001:db8::1")))
        #expect(address.flags == [.nodad, .noPrefixRoute])
    }

    @Test func truncatedMessagesAreRefused() {
        let full = Fixture.addressDump
        // Every prefix of a valid datagram: never a crash, never a message that claims more than it holds.
        for length in 0..<full.count {
            let outcome = Array(full[0..<length]).withUnsafeBytes { MessageReader.read($0, portID: 0) }
            for message in outcome.messages {
                #expect(message.length <= length)
            }
            #expect(outcome.messages.count <= 3)
        }
        #expect(RawMessage(bytes: full[0..<40]) == nil)
        #expect(RawMessage(bytes: [UInt8](repeating: 0, count: 15)) == nil)
    }

    @Test func attributeLongerThanItsMessageEndsTheWalk() throws {
        var bytes = Fixture.addAddressNodad64
        bytes[24] = 0xf0  // IFA_LOCAL claims 240 bytes
        let message = try #require(RawMessage(bytes: bytes))
        #expect(InterfaceAddress(message: message) == nil)
    }

    @Test func shortFamilyHeaderIsRefused() throws {
        // An RTM_NEWROUTE whose rtmsg is cut short.
        let bytes: [UInt8] = [20, 0, 0, 0, 24, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 10, 48, 0, 0]
        let message = try #require(RawMessage(bytes: bytes))
        #expect(Route(message: message) == nil)
        #expect(InterfaceAddress(message: message) == nil)
    }

    @Test func otherFamiliesAreSkipped() throws {
        var bytes = Fixture.addAddressNodad64
        bytes[16] = 2  // AF_INET
        #expect(InterfaceAddress(message: try #require(RawMessage(bytes: bytes))) == nil)
    }

    @Test func prefixLengthAbove128IsRefused() throws {
        var bytes = Fixture.addLocalRoute
        bytes[17] = 129
        #expect(Route(message: try #require(RawMessage(bytes: bytes))) == nil)
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var bytes = (0..<Int.random(in: 0..<256, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            if bytes.count >= 4 {
                bytes[0] = UInt8(truncatingIfNeeded: bytes.count)
                bytes[1] = 0
                bytes[2] = 0
                bytes[3] = 0
            }
            let outcome = bytes.withUnsafeBytes { MessageReader.read($0, portID: 0) }
            for message in outcome.messages {
                _ = InterfaceAddress(message: message)
                _ = Route(message: message)
                _ = Link(message: message)
                _ = message.acknowledgement
            }
        }
    }
}

/// What we encode, we decode back unchanged.
@Suite struct RoundTripTests {
    @Test(arguments: [
        InterfaceAddress(ifindex: 3, address: .loopback, prefixLength: 128),
        InterfaceAddress(
            ifindex: 9,
            address: try! IPv6Address("2001:db8:1000:10::1"),
            prefixLength: 64,
            flags: [.nodad, .noPrefixRoute],
            addressProtocol: .hostup,
            validLifetimeSeconds: 3600,
            preferredLifetimeSeconds: 1800
        ),
    ])
    func addressesRoundTrip(_ address: InterfaceAddress) throws {
        let message = try #require(RawMessage(bytes: RTNetlinkRequest.addAddress(address).encode(sequence: 5)))
        #expect(InterfaceAddress(message: message) == address)
    }

    @Test(arguments: [
        Route(destination: try! IPv6Prefix("2001:db8:1000::/48"), type: .local, table: .local, outputInterface: 1),
        Route(destination: try! IPv6Prefix("2001:db8:1000::/48"), type: .unreachable, metric: .max),
        Route(
            destination: try! IPv6Prefix("::/0"),
            table: RouteTable(rawValue: 52),
            routeProtocol: .static,
            outputInterface: 4,
            gateway: try! IPv6Address("fe80::1"),
            metric: 1024,
            preferredSource: try! IPv6Address("2001:db8::1")
        ),
        Route(
            destination: try! IPv6Prefix("2001:db8:2000::/56"),
            table: RouteTable(rawValue: 100_000),
            outputInterface: 2
        ),
    ])
    func routesRoundTrip(_ route: Route) throws {
        let message = try #require(RawMessage(bytes: RTNetlinkRequest.replaceRoute(route).encode(sequence: 6)))
        #expect(Route(message: message) == route)
    }

    /// Found by scripts/fuzz.sh: libmnl's `mnl_nlmsg_ok()` casts `nlmsg_len` to int, so a length of 2^31 or more
    /// passed its bounds check and the reader went gigabytes past the datagram (a segfault).
    @Test(arguments: [UInt32(0xFFFF_FFF0), 0x8000_0000, 0x7FFF_FFFF, 0x1000, 17, 15, 0])
    func aMessageLongerThanTheDatagramEndsTheWalk(length: UInt32) {
        let first = Array(Fixture.ackSuccess)
        var second = [UInt8](repeating: 0, count: 20)
        withUnsafeBytes(of: length.littleEndian) { second.replaceSubrange(0..<4, with: $0) }
        second[4] = 2  // NLMSG_ERROR
        let outcome = (first + second).withUnsafeBytes { MessageReader.read($0, portID: 0) }
        #expect(outcome.messages.count == (length == 17 ? 2 : 1))
        #expect((first + second).withUnsafeBytes { MessageReader.wellFormedPrefix($0) } == first.count + (length == 17 ? 20 : 0))
    }
}
