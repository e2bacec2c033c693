#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FoundationEssentials
import Reconciliation
import RoutingAgent

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
            configuration: wiring.configuration, environment: wiring.environment, runTool: ToolRun.run,
            logger: wiring.logger)
        let report = await doctor.run(kernel: kernel, version: hostupRoutedVersion)
        if json {
            say(try report.json())
        } else {
            for finding in report.findings { say(finding.line) }
            say(report.summary)
        }
        if !report.healthy { throw ExitCode(1) }
    }
}

/// Runs a read-only tool for `doctor` (posix_spawn(3)), with its output captured and a 10 s bound.
enum ToolRun {
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
    @Sendable static func run(_ name: String, _ arguments: [String]) -> Doctor.ToolOutput? {
        guard let executable = find(name) else { return nil }
        var output: [Int32] = [0, 0]
        var errors: [Int32] = [0, 0]
        guard pipe(&output) == 0 else { return nil }
        guard pipe(&errors) == 0 else {
            close(output[0])
            close(output[1])
            return nil
        }
        // Only the child's copies (dup2 onto 1 and 2) stay open across exec.
        for fd in output + errors { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        // The tools' messages in English and numbers as C prints them, whatever the user's locale.
        let environment: [UnsafeMutablePointer<CChar>?] =
            ([String] (["LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"])).map { strdup($0) } + [nil]
        defer { for pointer in environment { free(pointer) } }
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environment)
        close(output[1])
        close(errors[1])
        defer {
            close(output[0])
            close(errors[0])
        }
        guard spawned == 0 else { return nil }
        var collected: [[UInt8]] = [[], []]
        var open = [true, true]
        let deadline = ContinuousClock.now + .seconds(10)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while open.contains(true) {
            var fds = [
                pollfd(fd: open[0] ? output[0] : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: open[1] ? errors[0] : -1, events: Int16(POLLIN), revents: 0),
            ]
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                kill(pid, SIGKILL)
                break
            }
            let ready = poll(&fds, 2, Int32(left.components.seconds * 1000 + 1))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            for index in 0..<2 where open[index] && fds[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    if collected[index].count < 64 << 20 { collected[index] += buffer[..<count] }
                } else if count == 0 || errno != EINTR {
                    open[index] = false
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        let code = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Doctor.ToolOutput(status: code, standardOutput: collected[0], standardError: collected[1])
    }
}

/// The `PATH` of this process.
private enum ProcessInfoPath {
    static var value: String { getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin" }
}
