import Logging
import Netlink
import Reconciliation
import Synchronization
import Testing

@testable import RoutingAgent

/// `Doctor.run` over a fake kernel and fake tools: which checks run, what the firewall tools are asked, and how a
/// missing tool and a drop policy are reported. The API is a closed loopback port (connection refused).
@Suite struct DoctorTests {
    static let dropSave = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"
    static let emptyRuleset = #"{"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}]}"#

    /// lo, eth0 with an RA default route and accept_ra 2, br0 with IPv6; forwarding on.
    func kernel() throws -> SysctlKernel {
        let kernel = SysctlKernel()
        try kernel.setSysctl(.forwarding, 1, interface: "all")
        try kernel.setSysctl(.acceptRA, 2, interface: "eth0")
        for name in ["lo", "eth0", "br0"] { try kernel.setSysctl(HostFacts.disableIPv6Name, 0, interface: name) }
        return kernel
    }

    func doctor(tools: @escaping Doctor.ToolRunner) -> Doctor {
        Doctor(
            configuration: AgentConfiguration(
                apiURL: "http://127.0.0.1:1", stateDirectory: temporaryDirectory(),
                bindings: [Binding(match: "containers", mode: .address, interface: "br0", forwarding: true)]),
            environment: ["HOSTUP_API_TOKEN": "test-token"], runTool: tools, logger: Logger(label: "test"))
    }

    @Test func missingFirewallToolsAreSkippedNotProblems() async throws {
        let asked = Mutex<[String]>([])
        let report = await doctor { name, arguments in
            asked.withLock { $0.append(([name] + arguments).joined(separator: " ")) }
            return nil
        }.run(kernel: try kernel(), version: "test")
        #expect(asked.withLock { $0 } == ["ip6tables-nft-save", "ip6tables-legacy-save", "nft -j list ruleset"])
        let policy = report.findings.filter { $0.check == .forwardPolicy }
        #expect(policy.map(\.severity) == [.skipped])
        #expect(policy.first?.subject == "ip6tables-nft-save, ip6tables-legacy-save, nft")
        #expect(policy.first?.remedy == "apt-get install nftables iptables")
        // The closed port is the only problem: TCP refused, so neither the API nor the clock is checked.
        #expect(report.findings.filter { $0.severity == .problem }.map(\.check) == [.tcp])
        #expect(
            report.checks.map(\.name) == [
                .token, .dns, .tcp, .uplink, .forwarding, .bindings, .routes, .forwardPolicy, .networkd,
            ])
        #expect(report.checks.first { $0.name == .uplink }?.detail == "eth0: default via fe80::1, from router advertisements (proto ra)")
    }

    @Test func aDropPolicyReadFromTheToolsIsAProblem() async throws {
        let report = await doctor { name, _ in
            switch name {
            case "ip6tables-legacy-save": Doctor.ToolOutput(status: 0, standardOutput: Array(Self.dropSave.utf8), standardError: [])
            case "nft": Doctor.ToolOutput(status: 0, standardOutput: Array(Self.emptyRuleset.utf8), standardError: [])
            default: Doctor.ToolOutput(status: 0, standardOutput: [], standardError: [])
            }
        }.run(kernel: try kernel(), version: "test")
        let policy = report.findings.filter { $0.check == .forwardPolicy }
        #expect(policy.map(\.subject) == ["ip6tables-legacy filter FORWARD"])
        #expect(policy.map(\.severity) == [.problem])
        #expect(report.checks.first { $0.name == .forwardPolicy }?.status == "problem")
        #expect(!report.healthy)
    }

    @Test func aToolThatFailsIsSkippedWithItsMessage() async throws {
        let report = await doctor { name, _ in
            name == "nft"
                ? Doctor.ToolOutput(status: 1, standardOutput: [], standardError: Array("Operation not permitted\n".utf8))
                : Doctor.ToolOutput(status: 0, standardOutput: [], standardError: [])
        }.run(kernel: try kernel(), version: "test")
        let policy = report.findings.filter { $0.check == .forwardPolicy }
        #expect(policy.map(\.line) == ["skipped [forward-policy] nft: exited 1: Operation not permitted — do: run doctor as root"])
    }
}
