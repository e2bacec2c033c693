import ArgumentParser
import RoutingAgent
import Testing

@testable import HostUpRouted

@Suite struct CommandLineParsingTests {
    /// `--config` had to follow the subcommand; `hostup-routed --config X status` was refused (issue 12).
    @Test(arguments: [
        ["--config", "/tmp/x.toml", "status"], ["status", "--config", "/tmp/x.toml"],
        ["--config", "/tmp/x.toml", "status", "--json"], ["--config=/tmp/x.toml", "status"],
    ])
    func theConfigGoesBeforeOrAfterTheSubcommand(_ arguments: [String]) throws {
        let command = try HostUpRoutedCommand.parseAsRoot(arguments)
        let status = try #require(command as? StatusCommand)
        #expect(status.options.config == "/tmp/x.toml")
    }

    @Test func theGlobalOptionsReachNestedSubcommands() throws {
        let command = try HostUpRoutedCommand.parseAsRoot(
            ["--config", "/tmp/x.toml", "--verbose", "routes", "create", "--prefix-length", "64"])
        let create = try #require(command as? CreateRoute)
        #expect(create.options.config == "/tmp/x.toml")
        #expect(create.options.verbose)
        #expect(create.wait == 60)
    }

    /// `--wait 0` (or less) cannot wait for anything: a usage error, not a "kernel failure" after 0 s.
    @Test(arguments: ["0", "-5"])
    func aWaitBelowOneSecondIsAUsageError(_ seconds: String) {
        #expect(throws: (any Error).self) {
            _ = try HostUpRoutedCommand.parseAsRoot(["routes", "create", "--prefix-length", "64", "--wait", seconds])
        }
    }

    @Test func withoutConfigTheDefaultPathApplies() throws {
        let command = try #require(try HostUpRoutedCommand.parseAsRoot(["check-config"]) as? CheckConfigCommand)
        #expect(command.options.config == "/etc/hostup-routed/config.toml")
    }

    /// Was scripts/cli-test.sh's: `routes create` without `--prefix-length` is a usage error (exit 64) naming it.
    @Test func routesCreateNeedsAPrefixLength() {
        #expect {
            _ = try HostUpRoutedCommand.parseAsRoot(["routes", "create", "--label", "x"])
        } throws: { error in
            HostUpRoutedCommand.exitCode(for: error) == .validationFailure
                && HostUpRoutedCommand.message(for: error).contains("Missing expected argument '--prefix-length")
        }
    }

    /// Every exit status a command can end with is documented in `--help` with its number and meaning.
    @Test(arguments: [
        (CommandExit.kernel, "kernel failure"), (.api, "API refusal"), (.transport, "transport failure"),
        (.usage, "usage error"), (.busy, "busy"), (.config, "configuration error"),
    ])
    func everyExitStatusIsDocumented(_ exit: CommandExit, _ meaning: String) {
        let line = ExitCodes.help.split(separator: "\n").first { $0.contains(meaning) }
        #expect(line?.split(separator: " ").first == "\(exit.rawValue)"[...], "help: \(line ?? "none")")
    }
}
