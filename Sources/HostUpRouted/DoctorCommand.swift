#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FoundationEssentials
import Reconciliation
import RoutingAgent
import Subprocess
import SystemPackage

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check everything a routed prefix depends on, read-only, and say what to do about each problem.",
        discussion: """
            Checks the token (present, mode 0600/0400, its scopes), the API (DNS, TCP, TLS, the clock against its \
            Date header), which destination is this VPS and why, the uplink and its default route, forwarding and \
            accept_ra, the nextHop on the uplink, the bound interfaces, each route's kernel objects (present, owned, \
            not tentative or dadfailed), the ip6tables/nftables FORWARD policy when a binding forwards (runs \
            ip6tables-nft-save, ip6tables-legacy-save and nft -j list ruleset, when installed), and whether \
            systemd-networkd manages the uplink. Prints one line per finding and a summary; exits 1 when a \
            finding is a problem, 0 otherwise (warnings and skipped checks included). Changes nothing.
            """)

    @OptionGroup var options: GlobalOptions

    @Flag(name: .long, help: "Print the report as JSON (see README: healthy, checks, findings).")
    var json = false

    func run() async throws {
        if json {
            // A script reading the JSON learns `healthy: false` from a config that does not load (the error also goes
            // to stderr, and the exit status is 78, as for every command).
            do {
                _ = try AgentConfiguration.load(path: options.config, environment: ProcessInfo.processInfo.environment)
            } catch {
                say(try DoctorReport.unusableConfiguration("\(error)").json())
            }
        }
        let wiring = try Wiring(options: options)
        let kernel = try wiring.kernel()
        let doctor = Doctor(
            configuration: wiring.configuration, environment: wiring.environment,
            runTool: { name, arguments in await ToolRun.run(name, arguments) },
            logger: wiring.logger)
        let report = await doctor.run(kernel: kernel, version: hostupRoutedVersion).naming(config: options.config)
        if json {
            say(try report.json())
        } else {
            for finding in report.findings { say(finding.line) }
            say(report.summary)
        }
        if !report.healthy { throw ExitCode(1) }
    }
}

/// Runs a read-only tool for `doctor` (swift-subprocess, over posix_spawn(3)), with its output captured and a
/// bound on how long it may write.
enum ToolRun {
    /// The most kept of each of standard output and standard error: 64 MiB. Past it the tool's output is still read,
    /// and dropped, so that a full pipe never blocks it.
    static let outputLimit = 64 << 20

    /// The directories searched: `PATH`, then the sbin directories, where `nft` and `ip6tables-*-save` live and
    /// which a user's `PATH` may lack.
    static func find(_ name: String) -> String? {
        let path = ProcessInfoPath.value
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for directory in directories where access("\(directory)/\(name)", X_OK) == 0 {
            return "\(directory)/\(name)"
        }
        return nil
    }

    /// Runs `name` with `arguments`; `nil` when it is not installed or cannot be started.
    ///
    /// Standard input is `/dev/null` and the environment holds only `LC_ALL=C` and
    /// `PATH=/usr/sbin:/usr/bin:/sbin:/bin`. Standard output and standard error are read until both are closed (or
    /// the tool has exited); a tool still writing after `bound` is killed with SIGKILL, and what it wrote until then
    /// is kept.
    ///
    /// - Parameters:
    ///   - name: The tool, looked up by ``find(_:)``.
    ///   - arguments: Its arguments, without the name.
    ///   - bound: How long the tool may write before it is killed. Defaults to 10 seconds.
    /// - Returns: The exit status (128 + the signal when a signal ended the tool) and up to ``outputLimit`` bytes of
    ///   each stream.
    static func run(_ name: String, _ arguments: [String], bound: Duration = .seconds(10)) async -> Doctor.ToolOutput? {
        guard let executable = find(name) else { return nil }
        let result: ExecutionResult<Captured, SequenceOutput, SequenceOutput>
        do {
            result = try await Subprocess.run(
                .path(FilePath(executable)), arguments: Arguments(arguments),
                // The tools' messages in English and numbers as C prints them, whatever the user's locale.
                environment: .custom(["LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]),
                input: .none, output: .sequence, error: .sequence
            ) { execution in
                await withTaskGroup(of: Stream.self) { group in
                    group.addTask { .standardOutput(await collect(execution.standardOutput)) }
                    group.addTask { .standardError(await collect(execution.standardError)) }
                    group.addTask {
                        try? await Task.sleep(for: bound)
                        if !Task.isCancelled { try? execution.send(signal: .kill) }
                        return .bound
                    }
                    var captured = Captured()
                    var open = 2
                    while open > 0, let stream = await group.next() {
                        switch stream {
                        case .standardOutput(let bytes): (captured.standardOutput, open) = (bytes, open - 1)
                        case .standardError(let bytes): (captured.standardError, open) = (bytes, open - 1)
                        case .bound: continue
                        }
                    }
                    group.cancelAll()
                    return captured
                }
            }
        } catch {
            // SubprocessError: the tool could not be started (spawnFailed) or not waited for.
            return nil
        }
        let status: Int32 =
            switch result.terminationStatus {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            }
        return Doctor.ToolOutput(
            status: status, standardOutput: result.closureResult.standardOutput,
            standardError: result.closureResult.standardError)
    }

    /// What one run read from the tool.
    private struct Captured: Sendable {
        var standardOutput: [UInt8] = []
        var standardError: [UInt8] = []
    }

    /// A finished child task of ``run(_:_:bound:)``: a stream read to its end, or the bound reached.
    private enum Stream: Sendable {
        case standardOutput([UInt8])
        case standardError([UInt8])
        case bound
    }

    /// Reads `stream` to its end, keeping the first ``outputLimit`` bytes (give or take a read); a read error ends
    /// it with what was read.
    private static func collect(_ stream: SubprocessOutputSequence) async -> [UInt8] {
        var collected: [UInt8] = []
        do {
            for try await buffer in stream where collected.count < outputLimit {
                buffer.withUnsafeBytes { collected += $0 }
            }
        } catch {}
        return collected
    }
}

/// The `PATH` of this process.
private enum ProcessInfoPath {
    static var value: String { getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin" }
}
