import Foundation
import Glibc
import Netlink
import Synchronization
import Testing

/// The kernel tests' environment: a fresh network namespace holding only `lo`, into which the tests put
/// a veth pair (`hu0`/`hu1`) and a bridge (`hubr0`). This kernel has veth and bridge, not dummy.
enum TestNetwork {
    /// Whether `if_nameindex(3)` lists nothing but `lo`: the process runs in a fresh network namespace
    /// (`scripts/test-in-netns.sh`). Computed once, before the tests add links, so every suite agrees.
    /// In the host namespace this is false and every kernel test is skipped: they never touch a real host.
    static let isFreshNamespace: Bool = {
        // `if_nameindex` names both the function and its struct; the type picks the function.
        let listInterfaces: () -> UnsafeMutablePointer<if_nameindex>? = if_nameindex
        guard let list = listInterfaces() else {
            return false
        }
        defer { if_freenameindex(list) }
        var names: [String] = []
        var entry = list
        while entry.pointee.if_index != 0, let name = entry.pointee.if_name {
            names.append(String(cString: name))
            entry += 1
        }
        return names == ["lo"]
    }()

    /// The interfaces the tests use.
    struct Interfaces: Sendable {
        var loopback: UInt32
        var veth: UInt32
        var peer: UInt32
        var bridge: UInt32
    }

    private static let prepared = Mutex<Interfaces?>(nil)

    /// Brings `lo` up (through our own `RTM_NEWLINK`) and creates the veth pair and the bridge, once.
    static func interfaces() throws -> Interfaces {
        try prepared.withLock { cached in
            if let cached {
                return cached
            }
            let netlink = try RTNetlink()
            let loopback = try #require(try netlink.link(named: "lo"))
            try netlink.setLink(index: loopback.ifindex, up: true)
            if try netlink.link(named: "hu0") == nil {
                try ip("link", "add", "hu0", "type", "veth", "peer", "name", "hu1")
            }
            if try netlink.link(named: "hubr0") == nil {
                try ip("link", "add", "hubr0", "type", "bridge")
            }
            for name in ["hu0", "hu1", "hubr0"] {
                try ip("link", "set", name, "up")
            }
            let interfaces = Interfaces(
                loopback: loopback.ifindex,
                veth: try #require(try netlink.link(named: "hu0")).ifindex,
                peer: try #require(try netlink.link(named: "hu1")).ifindex,
                bridge: try #require(try netlink.link(named: "hubr0")).ifindex
            )
            cached = interfaces
            return interfaces
        }
    }

    /// Runs iproute2's `ip` with the arguments and returns its standard output.
    @discardableResult
    static func ip(_ arguments: String...) throws -> String {
        let candidates = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        let path = try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
            "iproute2 is not installed"
        )
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw IPCommandError(
                command: "ip " + arguments.joined(separator: " "),
                output: String(decoding: errorData, as: UTF8.self)
            )
        }
        return String(decoding: data, as: UTF8.self)
    }

    struct IPCommandError: Error, CustomStringConvertible {
        var command: String
        var output: String
        var description: String { "\(command) failed: \(output)" }
    }
}

/// Every kernel test, run one at a time (they share one namespace) and only in a fresh namespace.
@Suite(
    .serialized,
    .enabled(if: TestNetwork.isFreshNamespace, "needs a fresh network namespace: run scripts/test-in-netns.sh")
)
struct KernelTests {}
