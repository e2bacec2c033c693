import RoutingAgent
import Testing

@testable import HostUpRouted

/// `ToolRun.run`, doctor's runner of the firewall tools, against `sh`, `env` and `sleep`.
@Suite struct ToolRunTests {
    @Test func capturesBothStreamsAndTheExitStatus() async throws {
        let output = try #require(await ToolRun.run("sh", ["-c", "echo out; echo err >&2; exit 3"]))
        #expect(output.status == 3)
        #expect(String(decoding: output.standardOutput, as: UTF8.self) == "out\n")
        #expect(String(decoding: output.standardError, as: UTF8.self) == "err\n")
    }

    @Test func aMissingToolIsNil() async {
        #expect(await ToolRun.run("hostup-routed-no-such-tool", []) == nil)
    }

    @Test func theToolSeesOnlyTheFixedEnvironmentAndNoInput() async throws {
        let environment = try #require(await ToolRun.run("env", []))
        #expect(environment.status == 0)
        #expect(
            String(decoding: environment.standardOutput, as: UTF8.self).split(separator: "\n").sorted()
                == ["LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"])
        let input = try #require(await ToolRun.run("sh", ["-c", "wc -c"]))
        #expect(String(decoding: input.standardOutput, as: UTF8.self) == "0\n")
    }

    @Test func outputBeyondTheLimitIsReadAndDropped() async throws {
        // 80 MiB on standard output: the tool is never blocked, and exits 0.
        let output = try #require(await ToolRun.run("sh", ["-c", "head -c 83886080 /dev/zero; echo done >&2"]))
        #expect(output.status == 0)
        #expect(output.standardOutput.count >= ToolRun.outputLimit)
        #expect(output.standardOutput.count < ToolRun.outputLimit + (1 << 20))
        #expect(String(decoding: output.standardError, as: UTF8.self) == "done\n")
    }

    /// The shell's `sleep` child keeps both pipes open after the shell is killed: the run still ends.
    @Test func aToolStillRunningAfterTheBoundIsKilled() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        let output = try #require(
            await ToolRun.run("sh", ["-c", "echo started; sleep 30; echo never"], bound: .seconds(1)))
        #expect(clock.now - started < .seconds(5))
        #expect(output.status == 128 + 9)
        #expect(String(decoding: output.standardOutput, as: UTF8.self) == "started\n")
    }
}
