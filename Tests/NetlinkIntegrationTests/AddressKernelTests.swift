import IPv6Addressing
import Netlink
import SystemPackage
import Testing

extension KernelTests {
    @Suite struct Addresses {
        let netlink: RTNetlink
        let interfaces: TestNetwork.Interfaces

        init() throws {
            interfaces = try TestNetwork.interfaces()
            netlink = try RTNetlink()
        }

        private func find(_ address: InterfaceAddress) throws -> InterfaceAddress? {
            try netlink.addresses(on: address.ifindex).first { $0.address == address.address }
        }

        @Test func addDumpReplaceAndRemoveOnLoopback() throws {
            let address = InterfaceAddress(
                ifindex: interfaces.loopback,
                address: try IPv6Address("2001:db8:1000::1"),
                prefixLength: 128,
                flags: [.nodad, .noPrefixRoute],
                addressProtocol: .hostup
            )
            try netlink.addAddress(address)
            let added = try #require(try find(address))
            #expect(added.prefixLength == 128)
            #expect(added.flags.isSuperset(of: [.nodad, .noPrefixRoute, .permanent]))
            #expect(added.addressProtocol == .hostup)
            #expect(added.validLifetimeSeconds == UInt32.max)
            #expect(added.preferredLifetimeSeconds == UInt32.max)
            #expect(added.scope == .universe)

            // Re-adding answers EEXIST, which maps to .exists and carries the kernel's explanation.
            let error = #expect(throws: NetlinkError.self) { try netlink.addAddress(address) }
            #expect(error?.code == .exists)
            #expect(error?.errno == .fileExists)
            #expect(error?.operation == "RTM_NEWADDR")
            #expect(error?.extendedAck == "ipv6: address already assigned")

            // Replace updates flags and lifetimes in place.
            var replacement = address
            replacement.flags = [.nodad]
            replacement.validLifetimeSeconds = 7200
            replacement.preferredLifetimeSeconds = 3600
            try netlink.replaceAddress(replacement)
            let replaced = try #require(try find(address))
            #expect(!replaced.flags.contains(.noPrefixRoute))
            #expect(!replaced.flags.contains(.permanent))
            #expect(replaced.validLifetimeSeconds.map { $0 <= 7200 && $0 > 7000 } == true)
            #expect(replaced.addressProtocol == .hostup)

            try netlink.removeAddress(address)
            #expect(try find(address) == nil)
            let missing = #expect(throws: NetlinkError.self) { try netlink.removeAddress(address) }
            #expect(missing?.code == .addressNotAvailable)
        }

        @Test func addressWithPrefixRouteOnVeth() throws {
            let address = InterfaceAddress(
                ifindex: interfaces.veth,
                address: try IPv6Address("2001:db8:1001:10::1"),
                prefixLength: 64,
                flags: .nodad,
                addressProtocol: .hostup
            )
            try netlink.addAddress(address)
            defer { try? netlink.removeAddress(address) }
            #expect(try find(address)?.flags.contains(.nodad) == true)
            // Without IFA_F_NOPREFIXROUTE the kernel adds the on-link prefix route (proto kernel).
            let prefixRoute = try netlink.routes(in: .main).first {
                $0.destination == (try? IPv6Prefix("2001:db8:1001:10::/64"))
            }
            #expect(prefixRoute?.routeProtocol == .kernel)
            #expect(prefixRoute?.outputInterface == interfaces.veth)
        }

        @Test func noSuchDeviceIsReported() throws {
            let address = InterfaceAddress(
                ifindex: 999_999,
                address: try IPv6Address("2001:db8:1002::1"),
                prefixLength: 128
            )
            let error = #expect(throws: NetlinkError.self) { try netlink.addAddress(address) }
            #expect(error?.code == .noSuchDevice)
        }

        @Test func handMadeAddressIsReportedWithoutOurProtocol() throws {
            try TestNetwork.ip("-6", "addr", "add", "2001:db8:1003::5/128", "dev", "lo", "nodad")
            defer { _ = try? TestNetwork.ip("-6", "addr", "del", "2001:db8:1003::5/128", "dev", "lo") }
            let handMade = try #require(
                try netlink.addresses(on: interfaces.loopback).first {
                    $0.address == (try? IPv6Address("2001:db8:1003::5"))
                }
            )
            #expect(handMade.addressProtocol != .hostup)
        }
    }
}
