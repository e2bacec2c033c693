import RoutingAgent

#if canImport(Glibc)
import Glibc
#endif

/// `HostUpRoutedFleetSim [OPTIONS]`: a fleet of agents polling one API, simulated over virtual time with the
/// daemon's own scheduling code (``PollSchedule``), through an API outage, a region booting at once and a `429`
/// sent to everyone. Prints, per scenario, the API's requests per second as a text plot, then a table; exits 1
/// when the busiest second after a disturbance exceeds the goal (`--goal`, ×1.2 the steady mean), 2 on a usage
/// error. The run is seeded, so it is the same run every time: a figure, not a timing.
///
/// Options: `--agents N` (default 100 000; `--short`: 50 000, since at 10 000 the noise of a second alone, √333 ≈
/// 18 requests or 5.5 % of the mean, reaches +18 % somewhere in 15 minutes), `--poll-interval D` (default `30s`),
/// `--seed S` (default 1), `--scenario outage|boot|rate-limit` (repeatable; default all three), `--bucket SECONDS`
/// (the plot's resolution, default 10), `--goal RATIO` (default 1.2), `--outage SECONDS` (how long the outage
/// lasts, default 600), `--markdown` (plots in code fences, for BENCHMARKS.md). Run by `scripts/bench/fleet.sh`.
/// Test and development only: never shipped.
@main
enum FleetSim {
    static func main() {
        var agents: Int?
        var short = false
        var pollInterval = Duration.seconds(30)
        var seed: UInt64 = 1
        var names: [String] = []
        var bucket = 10
        var goal = FleetRun.defaultGoal
        var markdown = false
        var outageSeconds = 600
        var arguments = CommandLine.arguments.dropFirst()
        func value<T>(of option: String, _ parse: (String) -> T?) -> T {
            guard let text = arguments.popFirst(), let parsed = parse(text) else { usage("\(option) wants a value") }
            return parsed
        }
        while let argument = arguments.popFirst() {
            switch argument {
            case "--agents": agents = value(of: argument) { Int($0).flatMap { $0 > 0 && $0 < 1 << 22 ? $0 : nil } }
            case "--short": short = true
            case "--poll-interval":
                pollInterval = value(of: argument) { Duration(configText: $0).flatMap { $0 >= .seconds(1) ? $0 : nil } }
            case "--seed": seed = value(of: argument) { UInt64($0) }
            case "--scenario": names.append(value(of: argument) { $0 })
            case "--bucket": bucket = value(of: argument) { Int($0).flatMap { $0 > 0 ? $0 : nil } }
            case "--goal": goal = value(of: argument) { Double($0) }
            case "--outage": outageSeconds = value(of: argument) { Int($0).flatMap { $0 > 0 ? $0 : nil } }
            case "--markdown": markdown = true
            case "--help", "-h": usage(nil)
            default: usage("unknown option \(argument)")
            }
        }
        let all = Scenario.all(outageSeconds: outageSeconds)
        let scenarios = names.map { name in
            guard let scenario = all.first(where: { $0.name == name }) else {
                usage("unknown scenario \(name)")
            }
            return scenario
        }
        let count = agents ?? (short ? 50_000 : 100_000)

        var rows: [String] = []
        var missed: [String] = []
        for scenario in scenarios.isEmpty ? all : scenarios {
            let run = FleetRun(scenario: scenario, agents: count, pollInterval: pollInterval, seed: seed)
            print(markdown ? "### \(scenario.name): \(scenario.title)\n" : "=== \(scenario.name): \(scenario.title)")
            if markdown { print("```text") }
            print(run.plot(bucket: bucket))
            if markdown { print("```") }
            print("")
            rows.append(run.tableRow(goal: goal))
            if !run.meets(goal: goal) {
                let peak = run.peakAfter
                missed.append(
                    "\(scenario.name): \(peak.requests) requests at \(peak.second) s, over ×\(goal) the mean")
            }
        }
        if !markdown { print("=== results (\(count) agents, poll_interval \(pollInterval.configText), seed \(seed))") }
        print(FleetRun.tableHeader(goal: goal))
        rows.forEach { print($0) }
        for line in missed { print("goal missed - \(line)") }
        exit(missed.isEmpty ? 0 : 1)
    }

    static func usage(_ problem: String?) -> Never {
        if let problem { print("hostup-routed-fleet-sim: \(problem)") }
        print(
            "usage: HostUpRoutedFleetSim [--agents N | --short] [--poll-interval 30s] [--seed S] "
                + "[--scenario outage|boot|rate-limit]... [--bucket SECONDS] [--goal RATIO] [--outage SECONDS] "
                + "[--markdown]")
        exit(problem == nil ? 0 : 2)
    }
}
