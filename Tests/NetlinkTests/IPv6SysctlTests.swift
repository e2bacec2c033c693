import Foundation
import Testing

@testable import Netlink

@Suite struct IPv6SysctlTests {
    /// A fake `/proc/sys/net/ipv6/conf` with `all` and `eth0`.
    private func makeRoot() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ipv6sysctl-\(UUID().uuidString)").path
        for interface in ["all", "eth0"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(interface)", withIntermediateDirectories: true)
            for (name, value) in [("forwarding", "0\n"), ("accept_ra", "1\n"), ("keep_addr_on_down", "0\n")] {
                try value.write(toFile: "\(root)/\(interface)/\(name)", atomically: false, encoding: .utf8)
            }
        }
        return root
    }

    @Test func readsAndWritesValues() throws {
        let root = try makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let sysctl = IPv6Sysctl(root: root)
        #expect(try sysctl.value(.acceptRA, interface: "eth0") == 1)
        try sysctl.setValue(2, for: .acceptRA, interface: "eth0")
        #expect(try sysctl.value(.acceptRA, interface: "eth0") == 2)
        #expect(try String(contentsOfFile: "\(root)/eth0/accept_ra", encoding: .utf8) == "2\n")
        try sysctl.setValue(1, for: .forwarding, interface: "all")
        #expect(try sysctl.value(.forwarding, interface: "all") == 1)
        #expect(try sysctl.value(.keepAddressOnDown, interface: "eth0") == 0)
    }

    @Test func shorterValueReplacesLongerOne() throws {
        let root = try makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "-1\n".write(toFile: "\(root)/eth0/accept_ra", atomically: false, encoding: .utf8)
        let sysctl = IPv6Sysctl(root: root)
        #expect(try sysctl.value(.acceptRA, interface: "eth0") == -1)
        try sysctl.setValue(0, for: .acceptRA, interface: "eth0")
        #expect(try sysctl.value(.acceptRA, interface: "eth0") == 0)
    }

    @Test func missingInterfaceIsNotFoundAndNotCreated() throws {
        let root = try makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let sysctl = IPv6Sysctl(root: root)
        let error = #expect(throws: NetlinkError.self) { try sysctl.setValue(1, for: .forwarding, interface: "eth9") }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("\(root)/eth9/forwarding") == true)
        #expect(!FileManager.default.fileExists(atPath: "\(root)/eth9"))
        #expect(throws: NetlinkError.self) { try sysctl.value(.forwarding, interface: "eth9") }
    }

    @Test func nonIntegerContentIsMalformed() throws {
        let root = try makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "yes\n".write(toFile: "\(root)/eth0/forwarding", atomically: false, encoding: .utf8)
        let error = #expect(throws: NetlinkError.self) {
            try IPv6Sysctl(root: root).value(.forwarding, interface: "eth0")
        }
        #expect(error?.code == .malformedMessage)
    }

    @Test(arguments: ["", "..", "a/b", "."])
    func pathTraversalIsRefused(_ interface: String) throws {
        let error = #expect(throws: NetlinkError.self) {
            try IPv6Sysctl(root: "/nonexistent").value(.forwarding, interface: interface)
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test func defaultRootIsProc() {
        #expect(
            IPv6Sysctl().path(of: .keepAddressOnDown, interface: "eth0")
                == "/proc/sys/net/ipv6/conf/eth0/keep_addr_on_down"
        )
    }
}
