import FoundationEssentials
import HostUpAPISimulator
import IPv6Addressing
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
        // No state file yet: status has no routes, and judging them is not a finding.
        #expect(!report.findings.contains { $0.check == .routes })
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

    // MARK: Routes, as status judges them (issue 12's new-user findings 2 and 3)

    /// A doctor whose state directory remembers `routes`, and whose runtime status (`<state>/run/status.json`)
    /// holds `refusals`.
    func doctor(
        bindings: [Binding], routes: [AppliedRoute], refusals: [RouteRefusal] = [], apiURL: String = "http://127.0.0.1:1",
        vpsID: String? = nil, environment: [String: String] = ["HOSTUP_API_TOKEN": "test-token"]
    ) throws -> Doctor {
        let directory = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var state = PersistedState()
        state.vpsID = vpsID
        state.routes = routes
        try StateStore(directory: directory).save(state)
        let configuration = AgentConfiguration(apiURL: apiURL, vpsID: vpsID, stateDirectory: directory, bindings: bindings)
        var runtime = RuntimeStatus()
        runtime.refusals = refusals
        try RuntimeStatusStore(directory: configuration.runtimeDirectory).save(runtime)
        return Doctor(
            configuration: configuration, environment: environment, runTool: { _, _ in nil },
            logger: Logger(label: "test"))
    }

    @Test func routesWithABindingProblemAreProblems() async throws {
        // The new user's config: the only binding splits into /56s, but the routes are /64s.
        let routes = try [
            AppliedRoute(id: "r1", prefix: IPv6Prefix("2001:db8:1000:10::/64"), label: "containers"),
            AppliedRoute(id: "r2", prefix: IPv6Prefix("2001:db8:1000:20::/64"), label: "containers"),
        ]
        let report = try await doctor(
            bindings: [Binding(match: "containers", mode: .address, interface: "br0", split: 56)], routes: routes
        ).run(kernel: try kernel(), version: "test")
        let found = report.findings.filter { $0.check == .routes }
        #expect(found.map(\.subject) == ["2001:db8:1000:10::/64 (r1, label \"containers\")", "2001:db8:1000:20::/64 (r2, label \"containers\")"])
        #expect(found.map(\.severity) == [.problem, .problem])
        #expect(found.allSatisfy { $0.message.hasPrefix("not applied, binding problem: ") && $0.message.contains("56") })
        #expect(found.allSatisfy { $0.remedy?.contains("[[bindings]]") == true })
        #expect(!report.healthy)
        #expect(report.checks.first { $0.name == .routes }?.status == "problem")
    }

    /// A state file damaged by another process: doctor says so (the routes' other findings would mislead alone).
    @Test func aDamagedStateFileIsAProblem() async throws {
        let routes = try [AppliedRoute(id: "r1", prefix: IPv6Prefix("2001:db8:1000:10::/64"), label: "web")]
        let doctor = try doctor(bindings: [Binding(match: "*", mode: .anyip)], routes: routes)
        let path = StateStore(directory: doctor.configuration.stateDirectory).path
        try Data("{ \"version\": 1, \"rou".utf8).write(to: URL(fileURLWithPath: path))
        let report = try await doctor.run(kernel: try kernel(), version: "test")
        let found = try #require(report.findings.first { $0.check == .routes })
        #expect(found.severity == .problem)
        #expect(found.message.hasPrefix("the state file is damaged: \(path) does not decode"), "\(found.message)")
        #expect(found.remedy?.contains("hostup-routed sync") == true)
        #expect(!report.healthy)
    }

    /// Run with `--config` another file, doctor's remedies that run hostup-routed pass the same file.
    @Test func remediesNameTheConfigDoctorWasGiven() {
        let report = DoctorReport(
            checks: [(.routes, nil)],
            findings: [
                DoctorFinding(.routes, .problem, "missing", remedy: "hostup-routed sync (is the daemon running? systemctl status hostup-routed)")
            ])
        #expect(report.naming(config: AgentConfiguration.defaultPath) == report)
        #expect(
            report.naming(config: "/srv/my config.toml").findings.first?.remedy
                == "hostup-routed --config '/srv/my config.toml' sync (is the daemon running? systemctl status hostup-routed)")
    }

    @Test func aRouteNoBindingMatchesIsAProblem() async throws {
        let routes = try [AppliedRoute(id: "r1", prefix: IPv6Prefix("2001:db8:1000:10::/64"), label: "web")]
        let report = try await doctor(
            bindings: [Binding(match: "containers", mode: .address, interface: "br0")], routes: routes
        ).run(kernel: try kernel(), version: "test")
        let found = report.findings.filter { $0.check == .routes }
        #expect(found.map(\.message) == ["not applied, binding problem: no binding matches"])
        #expect(found.first?.remedy?.hasPrefix("add a [[bindings]] entry") == true)
        #expect(!report.healthy)
    }

    @Test func aRefusedRouteNamesTheRuleNotSync() async throws {
        // The API routes the prefix here (SimulatedAPI.base: ripv6rt_01cliweb to this VPS); the agent refused it.
        let refusal = RouteRefusal(
            routeID: "ripv6rt_01cliweb", prefix: "2001:db8:1000:10::/64",
            reason: "contains 2001:db8:1000:10::5, an address of eth0")
        let report = try await SimulatedAPI.serve(SimulatedAPI.base) { port, _ in
            try await doctor(
                bindings: [Binding(match: "*", mode: .anyip)], routes: [], refusals: [refusal],
                apiURL: "http://127.0.0.1:\(port)", vpsID: SimulatedAPI.vps,
                environment: ["HOSTUP_API_TOKEN": SimulatedAPI.token]
            ).run(kernel: try kernel(), version: "test")
        }
        #expect(report.checks.first { $0.name == .api }?.status == "ok")
        let found = report.findings.filter { $0.check == .routes }
        #expect(found.map(\.message) == ["refused by validation: contains 2001:db8:1000:10::5, an address of eth0"])
        #expect(found.first?.subject == "2001:db8:1000:10::/64 (ripv6rt_01cliweb)")
        #expect(found.first?.remedy?.contains("hostup-routed routes delete ripv6rt_01cliweb") == true)
        #expect(!report.findings.contains { $0.message.contains("has not applied it yet") })
    }

    // MARK: The token (finding 4) and the API's failures (finding 8)

    @Test func aTokenFileOthersCanReadIsOneFindingWithItsOwnPath() async throws {
        let directory = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/api-token"
        try FileIO.writeAtomically(Array("secret\n".utf8), to: path, mode: 0o644)
        let doctor = Doctor(
            configuration: AgentConfiguration(
                apiURL: "http://127.0.0.1:1", tokenFile: path, stateDirectory: directory,
                bindings: [Binding(match: "*", mode: .anyip)]),
            environment: [:], runTool: { _, _ in nil }, logger: Logger(label: "test"))
        let report = await doctor.run(kernel: try kernel(), version: "test")
        let token = report.findings.filter { $0.check == .token }
        #expect(token.map(\.subject) == [path])
        #expect(token.map(\.remedy) == ["chmod 600 \(path)"])
        #expect(!report.findings.contains { $0.remedy?.contains(APIToken.defaultTokenFile) == true })
    }

    @Test(arguments: [SimulatedFault.Kind.status500, .malformedJSON])
    func anAPIFailureIsOneReadableLineWithARemedy(fault: SimulatedFault.Kind) async throws {
        let report = try await SimulatedAPI.serve(SimulatedAPI.base) { port, state in
            await state.injectFault(SimulatedFault(kind: fault, count: 10))
            return try await doctor(
                bindings: [Binding(match: "*", mode: .anyip)], routes: [], apiURL: "http://127.0.0.1:\(port)",
                vpsID: SimulatedAPI.vps, environment: ["HOSTUP_API_TOKEN": SimulatedAPI.token]
            ).run(kernel: try kernel(), version: "test")
        }
        let api = report.findings.filter { $0.check == .api }
        #expect(api.count == 1)
        for finding in api {
            #expect(finding.remedy != nil)
            #expect(!finding.line.contains("\n"))
            // The HostUpAPIError's code names (`httpStatus: …`, `decoding: …`) are not words for the user.
            #expect(!finding.line.contains("httpStatus") && !finding.line.contains("decoding:"))
        }
        #expect(api.first?.message.hasPrefix(fault == .status500 ? "the API has a fault: " : "the API's answer is not") == true)
    }
}
