import Netlink
import Testing

extension KernelTests {
    @Suite struct Links {
        let netlink: RTNetlink
        let interfaces: TestNetwork.Interfaces

        init() throws {
            interfaces = try TestNetwork.interfaces()
            netlink = try RTNetlink()
        }

        @Test func dumpsLinksWithKinds() throws {
            let links = try netlink.links()
            let loopback = try #require(links.first { $0.name == "lo" })
            #expect(loopback.isLoopback)
            #expect(loopback.isUp)
            #expect(loopback.kind == nil)
            #expect(try #require(links.first { $0.name == "hu0" }).kind == "veth")
            #expect(try #require(links.first { $0.name == "hubr0" }).kind == "bridge")
            #expect(try netlink.link(named: "hu1")?.ifindex == interfaces.peer)
            #expect(try netlink.link(index: interfaces.veth)?.name == "hu0")
            #expect(try netlink.link(named: "nope0") == nil)
        }

        @Test func vethPairWithBothEndsUpHasCarrier() throws {
            let veth = try #require(try netlink.link(index: interfaces.veth))
            #expect(veth.isUp)
            #expect(veth.isLowerUp)
        }

        @Test func setsALinkDownAndUp() throws {
            try netlink.setLink(index: interfaces.bridge, up: false)
            #expect(try netlink.link(index: interfaces.bridge)?.isUp == false)
            try netlink.setLink(index: interfaces.bridge, up: true)
            #expect(try netlink.link(index: interfaces.bridge)?.isUp == true)
            let error = #expect(throws: NetlinkError.self) { try netlink.setLink(index: 999_999, up: true) }
            #expect(error?.code == .noSuchDevice)
        }
    }

    @Suite struct Sysctls {
        let interfaces: TestNetwork.Interfaces
        let sysctl = IPv6Sysctl()

        init() throws {
            interfaces = try TestNetwork.interfaces()
        }

        @Test(arguments: [
            (IPv6Sysctl.Name.forwarding, "all", 1),
            (.acceptRA, "hu0", 2),
            (.keepAddressOnDown, "hu0", 1),
            (.keepAddressOnDown, "lo", 1),
        ])
        func readsAndWritesInTheNamespace(_ name: IPv6Sysctl.Name, _ interface: String, _ value: Int) throws {
            let original = try sysctl.value(name, interface: interface)
            try sysctl.setValue(value, for: name, interface: interface)
            #expect(try sysctl.value(name, interface: interface) == value)
            try sysctl.setValue(original, for: name, interface: interface)
            #expect(try sysctl.value(name, interface: interface) == original)
        }

        @Test func unknownInterfaceIsNotFound() {
            let error = #expect(throws: NetlinkError.self) { try sysctl.value(.forwarding, interface: "nope0") }
            #expect(error?.code == .notFound)
        }

        @Test func valueBeyondIntIsRefusedByTheKernel() throws {
            // proc_dointvec() takes any int but refuses what does not fit one.
            let original = try sysctl.value(.acceptRA, interface: "hu0")
            let error = #expect(throws: NetlinkError.self) {
                try sysctl.setValue(Int.max, for: .acceptRA, interface: "hu0")
            }
            #expect(error?.code == .invalidArgument)
            #expect(try sysctl.value(.acceptRA, interface: "hu0") == original)
        }
    }
}
