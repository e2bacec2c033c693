import Foundation
import HostUpAPI
import Logging
import Netlink
import Reconciliation
import Synchronization
import Testing

@testable import RoutingAgent

#if canImport(Glibc)
import Glibc
#endif

/// The samples of a Prometheus text-format document, keyed by series (`name{label="value"}` as written), and the
/// lines that are not comments, for checks on their shape. (The registry writes families and series in no fixed
/// order, so documents are compared by their samples, not byte for byte.)
private struct Exposition {
    var samples: [String: Double] = [:]
    var sampleLines: [String] = []
    var help: Set<String> = []
    var types: [String: String] = [:]

    init(_ bytes: [UInt8]) {
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            if line.hasPrefix("# HELP ") {
                help.insert(String(fields[2]))
            } else if line.hasPrefix("# TYPE ") {
                types[String(fields[2])] = String(fields[3])
            } else {
                sampleLines.append(String(line))
                samples[String(fields[0])] = fields.count > 1 ? Double(fields[1]) : nil
            }
        }
    }
}

@Suite struct MetricsTextfileTests {
    let directory = temporaryDirectory()

    /// A status with every figure set, each to a different value.
    static func busyStatus() -> RuntimeStatus {
        var status = RuntimeStatus()
        status.steps = 41
        status.lastSync = Date(timeIntervalSince1970: 1_800_000_123)
        status.lastStepEnd = Date(timeIntervalSince1970: 1_800_000_456.5)
        var routes = StatusReport.Summary()
        routes.applied = 5
        routes.deferred = 2
        routes.conflict = 1
        routes.kernelError = 3
        routes.bindingProblem = 4
        routes.pending = 6
        routes.refused = 7
        routes.routes = 28
        status.routeTally = routes
        status.counters.kernelDumps = 12
        status.counters.repairs = 9
        status.counters.repairsHeldBack = 8
        status.counters.resyncs = ["ENOBUFS": 2, "timer": 11]
        status.counters.failures = ["api-transport": 3, "api-status": 1, "kernel": 4, "no-token": 2]
        status.counters.kernelErrors = 13
        return status
    }

    @Test func everyFigureOfTheStatusIsASampleWithoutTimestamp() throws {
        let status = Self.busyStatus()
        let text = Exposition(MetricsTextfile.render(status))
        let routes = try #require(status.routeTally)
        for (state, count) in routes.byState {
            #expect(
                text.samples["hostup_routed_routes{state=\"\(state.rawValue)\"}"] == Double(count), "routes \(state)"
            )
        }
        #expect(
            text.samples["hostup_routed_last_sync_timestamp_seconds"]
                == status.lastSync?.timeIntervalSince1970)
        #expect(
            text.samples["hostup_routed_last_step_timestamp_seconds"]
                == status.lastStepEnd?.timeIntervalSince1970)
        #expect(text.samples["hostup_routed_steps_total"] == Double(status.steps))
        for code in RuntimeStatus.Failure.Code.allCases {
            let expected = Double(status.counters.failures[code.rawValue] ?? 0)
            #expect(
                text.samples["hostup_routed_errors_total{code=\"\(code.rawValue)\"}"] == expected, "\(code)"
            )
        }
        #expect(
            text.samples["hostup_routed_kernel_errors_total"] == Double(status.counters.kernelErrors))
        #expect(text.samples["hostup_routed_repairs_total"] == Double(status.counters.repairs))
        #expect(
            text.samples["hostup_routed_repairs_held_back_total"]
                == Double(status.counters.repairsHeldBack))
        #expect(text.samples["hostup_routed_kernel_dumps_total"] == Double(status.counters.kernelDumps))
        for reason in Agent.ResyncReason.allCases {
            let expected = Double(status.counters.resyncs[reason.rawValue] ?? 0)
            #expect(
                text.samples["hostup_routed_kernel_resyncs_total{reason=\"\(reason.rawValue)\"}"]
                    == expected)
        }
        // node_exporter drops a textfile whose samples carry a timestamp: each line is `series value`, no more.
        for line in text.sampleLines {
            #expect(line.split(separator: " ").count == 2, "\(line)")
        }
        #expect(text.sampleLines.count == text.samples.count, "no series is written twice")
        // Every family has its HELP and TYPE, counters end in _total, and all share the prefix.
        let families = Set(text.samples.keys.map { String($0.prefix { $0 != "{" }) })
        #expect(families.count == 10)
        for family in families {
            #expect(family.hasPrefix(MetricsTextfile.namespace + "_"))
            #expect(text.help.contains(family), "\(family) has a HELP line")
            #expect(text.types[family] == (family.hasSuffix("_total") ? "counter" : "gauge"), "\(family)")
        }
    }

    @Test func aStatusBeforeAnySyncHasNoTimestampsAndNoRoutes() {
        let text = Exposition(MetricsTextfile.render(RuntimeStatus()))
        #expect(
            !text.samples.keys.contains {
                $0.contains("timestamp") || $0.hasPrefix("hostup_routed_routes")
            })
        #expect(
            text.samples["hostup_routed_errors_total{code=\"api-transport\"}"] == 0,
            "counters start at zero")
        #expect(text.samples["hostup_routed_steps_total"] == 0)
    }

    @Test func theFileIsReplacedAtomicallyWithMode0644WhateverTheUmask() throws {
        try FileIO.makeDirectory(directory)
        let path = directory + "/hostup-routed.prom"
        let writer = MetricsTextfile(path: path)
        var status = Self.busyStatus()
        // The packaged unit's UMask=0077 would make a plain open(2) with 0644 into 0600, which node_exporter
        // (another user) cannot read.
        let saved = umask(0o077)
        defer { umask(saved) }
        try writer.write(status)
        let first = try #require(FileIO.linkStatus(path))
        #expect(first.mode & 0o7777 == 0o644)

        // A reader that opened the old file (a scrape under way) keeps reading it whole; the name now gives the
        // new one, a different inode: rename(2), not a rewrite in place.
        let reader = open(path, O_RDONLY)
        #expect(reader >= 0)
        defer { close(reader) }
        status.steps += 1
        try writer.write(status)
        let second = try #require(FileIO.linkStatus(path))
        #expect(second.inode != first.inode)
        #expect(second.mode & 0o7777 == 0o644)
        let old = Exposition(try FileIO.readAll(reader, path: path, limit: 1 << 20))
        #expect(old.samples == Exposition(MetricsTextfile.render(Self.busyStatus())).samples)
        #expect(old.samples["hostup_routed_steps_total"] == 41)
        let new = Exposition(try FileIO.read(path))
        #expect(new.samples == Exposition(MetricsTextfile.render(status)).samples)
        #expect(new.samples["hostup_routed_steps_total"] == 42)
        #expect(access(path + ".tmp", F_OK) != 0, "no temporary file is left behind")
    }

    /// The directory is shared through a group (mode 0775): a link planted under the file's name or its temporary
    /// name is replaced, never written through.
    @Test func plantedLinksAreReplacedNotFollowedInAGroupWritableDirectory() throws {
        try FileIO.makeDirectory(directory)
        #expect(chmod(directory, 0o775) == 0)
        let victim = directory + "/victim"
        try FileIO.writeAtomically(Array("precious\n".utf8), to: victim, mode: 0o644)
        let path = directory + "/hostup-routed.prom"
        #expect(symlink(victim, path + ".tmp") == 0)
        #expect(symlink(victim, path) == 0)
        try MetricsTextfile(path: path).write(Self.busyStatus())
        #expect(try FileIO.readText(victim) == "precious\n")
        let info = try #require(FileIO.linkStatus(path))
        #expect(info.mode & UInt32(S_IFMT) == UInt32(S_IFREG), "the link itself was replaced by the file")
        #expect(Exposition(try FileIO.read(path)).samples["hostup_routed_steps_total"] == 41)
    }

    @Test func aMissingDirectoryIsAnErrorNotCreated() {
        let writer = MetricsTextfile(path: directory + "/absent/hostup-routed.prom")
        #expect(throws: FileIO.Error.self) { try writer.write(RuntimeStatus()) }
        #expect(access(directory + "/absent", F_OK) != 0)
    }

    @Test(arguments: [
        ("", nil as String?, nil as String?),
        ("metrics_file = \"\"\n", nil, nil),
        (
            "metrics_file = \"/var/lib/prometheus/node-exporter/hostup-routed.prom\"\n",
            "/var/lib/prometheus/node-exporter/hostup-routed.prom", nil
        ),
        ("metrics_file = \"metrics.prom\"\n", nil, "is not an absolute path"),
        ("metrics_file = \"/run/hostup-routed/metrics.txt\"\n", nil, "ending in .prom"),
        ("metrics_file = \"/run/hostup-routed/\"\n", nil, "ending in .prom"),
        ("metrics_file = \"/run/.prom\"\n", nil, "ending in .prom"),
        ("metrics_file = 1\n", nil, "expected a string"),
    ])
    func theMetricsFileKey(text: String, path: String?, problem: String?) throws {
        do {
            let configuration = try AgentConfiguration.parse(text, file: "config.toml", environment: [:])
            #expect(problem == nil)
            if text.isEmpty {
                #expect(configuration.metricsFile == "/run/hostup-routed-metrics/hostup-routed.prom", "the default")
            } else {
                #expect(configuration.metricsFile == path)
            }
        } catch let error as ConfigurationError {
            let problem = try #require(problem, "unexpected \(error)")
            #expect("\(error)".contains(problem), "\(error)")
            #expect("\(error)".contains("metrics_file"), "the error names the key: \(error)")
        }
    }

    @Test func theDefaultFollowsTheStateDirectoryAndTheEnvironmentOverrides() throws {
        // systemd's runtime directory of a DynamicUser= service is below /run/private, which node_exporter cannot
        // enter: the default stays the package's directory.
        let fromSystemd = try AgentConfiguration.parse(
            "", file: "config.toml", environment: ["RUNTIME_DIRECTORY": "/run/hostup-routed-2"])
        #expect(fromSystemd.metricsFile == "/run/hostup-routed-metrics/hostup-routed.prom")
        let ownState = try AgentConfiguration.parse("state_dir = \"/srv/agent\"\n", file: "config.toml", environment: [:])
        #expect(ownState.metricsFile == "/srv/agent/run/hostup-routed.prom")
        let off = try AgentConfiguration.parse(
            "metrics_file = \"/x/a.prom\"\n", file: "config.toml",
            environment: ["HOSTUP_ROUTED_METRICS_FILE": ""])
        #expect(off.metricsFile == nil)
        #expect(throws: ConfigurationError.self) {
            try AgentConfiguration.parse(
                "", file: "config.toml", environment: ["HOSTUP_ROUTED_METRICS_FILE": "a.prom"])
        }
    }

    /// The agent writes the file after each step it stores, from the status it stored.
    @Test func theAgentWritesTheFiguresOfEachStepItStores() async throws {
        let clock = TestClock()
        let kernel = SysctlKernel()
        let runtime = RuntimeStatusStore(directory: directory + "/run")
        let configuration = AgentConfiguration(
            vpsID: selfID, stateDirectory: directory,
            bindings: [Binding(match: "vpn", mode: .route, interface: "wg0"), Binding(match: "*")])
        let agent = try Agent(
            configuration: configuration, client: nil, kernel: kernel,
            store: StateStore(directory: directory),
            logger: Logger(label: "test"), localAddresses: { .init(ipv6: [], ipv4: []) },
            now: { clock.now },
            networkdLinks: directory + "/netif", runtimeStore: runtime)
        let path = try #require(configuration.metricsFile)
        #expect(path == directory + "/run/hostup-routed.prom")

        await agent.markFailed(HostUpAPIError(code: .transport, message: "connection refused"))
        var text = Exposition(try FileIO.read(path))
        #expect(text.samples["hostup_routed_errors_total{code=\"api-transport\"}"] == 1)
        #expect(text.samples["hostup_routed_steps_total"] == 1)
        #expect(text.samples["hostup_routed_last_sync_timestamp_seconds"] == nil, "never synced")

        // r1 is served by the catch-all binding, r2 waits for wg0, r9 (a host address, not a prefix) is refused.
        let doc = document([
            route("r1", "2001:db8:1000:10::/64"), route("r2", "2001:db8:1000:20::/64", label: "vpn"),
            route("r9", "2001:db8:1000:90::1/64"),
        ])
        let outcome = RouteValidator(vpsID: selfID, uplinkPrefixes: []).validate(doc)
        await agent.absorb(Agent.Answer(vpsID: selfID, outcome: outcome, document: doc))
        clock.advance(seconds: 30)
        kernel.hold(try await agent.reconcile().plan)
        try await agent.markSynced()
        let stored = try #require(runtime.load())
        text = Exposition(try FileIO.read(path))
        #expect(
            text.samples == Exposition(MetricsTextfile.render(stored)).samples,
            "the file shows the stored status")
        #expect(text.samples["hostup_routed_routes{state=\"applied\"}"] == 1)
        #expect(text.samples["hostup_routed_routes{state=\"deferred\"}"] == 1)
        #expect(text.samples["hostup_routed_routes{state=\"refused\"}"] == 1)
        #expect(
            text.samples["hostup_routed_last_sync_timestamp_seconds"] == clock.now.timeIntervalSince1970)
        #expect(text.samples["hostup_routed_steps_total"] == 2)
        #expect(
            text.samples["hostup_routed_errors_total{code=\"api-transport\"}"] == 1,
            "a counter keeps its count")

        // A repair that cannot observe the kernel is counted, and written at once; it is no step.
        await agent.countRepairFailure(NetlinkError(code: .other, operation: "RTM_GETROUTE", message: "dump failed"))
        text = Exposition(try FileIO.read(path))
        #expect(text.samples["hostup_routed_errors_total{code=\"kernel\"}"] == 1)
        #expect(text.samples["hostup_routed_steps_total"] == 2)
    }

    /// A metrics directory that goes and comes back: one warning when writing starts to fail, one notice when it
    /// works again, and a warning again when it fails again (not folded into the first one).
    @Test func aWriteFailureAndItsRecoveryAreEachLoggedOnce() async throws {
        let handler = RecordingLogHandler()
        let metricsDirectory = directory + "/metrics"
        var configuration = AgentConfiguration(vpsID: selfID, stateDirectory: directory)
        configuration.metricsFileSetting = metricsDirectory + "/hostup-routed.prom"
        let agent = try Agent(
            configuration: configuration, client: nil, kernel: SysctlKernel(), store: StateStore(directory: directory),
            logger: Logger(label: "test", factory: { _ in handler }), localAddresses: { .init(ipv6: [], ipv4: []) },
            networkdLinks: directory + "/netif", runtimeStore: RuntimeStatusStore(directory: directory + "/run"))
        let failure = HostUpAPIError(code: .transport, message: "connection refused")
        func lines() -> [String] {
            handler.entries.withLock { $0 }.map(\.message).filter { $0.contains("metrics textfile") }
        }
        await agent.markFailed(failure)
        await agent.markFailed(failure)
        #expect(lines().count == 1 && lines()[0].hasPrefix("cannot write the metrics textfile"), "\(lines())")
        try FileIO.makeDirectory(metricsDirectory)
        await agent.markFailed(failure)
        await agent.markFailed(failure)
        #expect(lines().count == 2 && lines()[1] == "the metrics textfile is written again: \(metricsDirectory)/hostup-routed.prom")
        try FileManager.default.removeItem(atPath: metricsDirectory)
        await agent.markFailed(failure)
        #expect(lines().count == 3 && lines()[2].hasPrefix("cannot write the metrics textfile"))
    }

    /// The text passes the Prometheus text-format parser of the `prometheus_client` Python package (Debian's
    /// `python3-prometheus-client`, installed by .ci/run, where this test must not be skipped).
    @Test(.enabled(if: Self.hasPythonParser || ProcessInfo.processInfo.environment["CI"] != nil))
    func theTextPassesThePrometheusClientParser() throws {
        try FileIO.makeDirectory(directory)
        let path = directory + "/parse.prom"
        try MetricsTextfile(path: path).write(Self.busyStatus())
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for sample in family.samples:
                    assert sample.timestamp is None, sample
                    labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                    print(f"{family.type} {sample.name}{{{labels}}} {sample.value!r}")
            """
        let output = try Self.run([Self.python, "-c", script, path])
        #expect(output.status == 0, "the parser refused the file: \(output.text)")
        let parsed = output.text.split(separator: "\n")
        let text = Exposition(try FileIO.read(path))
        #expect(parsed.count == text.samples.count, "every sample is parsed: \(output.text)")
        for line in parsed {
            let fields = line.split(separator: " ")
            let series = fields[1].replacingOccurrences(of: "{}", with: "")
            // prometheus_client names a counter's family without `_total` and its samples with it.
            #expect(text.samples[series] == Double(fields[2]), "\(line)")
            #expect(fields[0] == (series.contains("_total") ? "counter" : "gauge"), "\(line)")
        }
    }

    /// Debian's interpreter, which python3-prometheus-client installs for (not whichever `python3` is first on the
    /// PATH, such as a pyenv shim).
    static let python = "/usr/bin/python3"

    static let hasPythonParser: Bool =
        (try? run([python, "-c", "import prometheus_client.parser"]).status) == 0

    static func run(_ arguments: [String]) throws -> (status: Int32, text: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
