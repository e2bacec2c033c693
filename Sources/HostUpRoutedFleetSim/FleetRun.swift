import RoutingAgent

/// One simulated run: `agents` agents, each with its own ``PollSchedule`` (the daemon's scheduling code), through
/// one ``Scenario``, over virtual time: nothing sleeps.
///
/// Each agent is one pending request in an ``EventQueue``. Taking the earliest, the run counts it in its second,
/// asks the scenario what the API answers at that instant, and asks the agent's schedule for the delay to its next
/// request, exactly as `PollService` does after each step.
struct FleetRun {
    var scenario: Scenario
    var agents: Int
    var pollInterval: Duration
    /// Requests sent in each second of the run.
    var perSecond: [Int]
    /// For each agent, milliseconds from ``Scenario/answersFrom`` to its first valid answer at or after it; -1 when
    /// it had none before the end.
    var waits: [Int64]

    init(scenario: Scenario, agents: Int, pollInterval: Duration, seed: UInt64) {
        self.scenario = scenario
        self.agents = agents
        self.pollInterval = pollInterval
        var generator = Xoshiro256(seed: seed)
        var schedules = [PollSchedule](repeating: PollSchedule(pollInterval: pollInterval, holdsValidAnswer: true), count: agents)
        var queue = EventQueue(capacity: agents)
        let intervalMilliseconds = milliseconds(pollInterval)
        for agent in 0..<agents {
            if scenario.boot {
                // The daemon's start: the cached state is in the kernel, then the first request.
                let delay = schedules[agent].firstRequestDelay(hasCachedState: true, using: &generator)
                queue.push(milliseconds: milliseconds(delay), agent: agent)
            } else {
                // Running for a long time already: the next poll is anywhere in the coming interval.
                queue.push(milliseconds: Int64.random(in: 0..<intervalMilliseconds, using: &generator), agent: agent)
            }
        }
        let end = Int64(scenario.end) * 1000
        let answersFrom = Int64(scenario.answersFrom) * 1000
        var perSecond = [Int](repeating: 0, count: scenario.end)
        var waits = [Int64](repeating: -1, count: agents)
        while let (time, agent) = queue.pop(), time < end {
            perSecond[Int(time / 1000)] += 1
            let delay: Duration
            if let failure = scenario.answer(time) {
                delay = schedules[agent].afterFailure(failure, using: &generator)
            } else {
                delay = schedules[agent].afterSuccess(using: &generator)
                if time >= answersFrom && waits[agent] < 0 { waits[agent] = time - answersFrom }
            }
            let next = time + milliseconds(delay)
            if next < end { queue.push(milliseconds: next, agent: agent) }
        }
        self.perSecond = perSecond
        self.waits = waits
    }

    /// The fleet's mean request rate when nothing disturbs it: one request per agent per poll interval.
    var steadyMean: Double { Double(agents) / (Double(milliseconds(pollInterval)) / 1000) }

    /// The mean rate measured before the disturbance, from 60 s on (the start's own spread settles by then); `nil`
    /// when the run starts with the disturbance.
    var measuredSteadyMean: Double? {
        guard scenario.eventAt >= 120 else { return nil }
        let window = perSecond[60..<scenario.eventAt]
        return Double(window.reduce(0, +)) / Double(window.count)
    }

    /// The busiest second in `range` (seconds of the run): when, and how many requests.
    func peak(in range: Range<Int>) -> (second: Int, requests: Int)? {
        let clamped = range.clamped(to: 0..<perSecond.count)
        guard let second = clamped.max(by: { perSecond[$0] < perSecond[$1] }) else { return nil }
        return (second, perSecond[second])
    }

    /// The busiest second from ``Scenario/afterFrom`` to the end: the one held to the goal.
    var peakAfter: (second: Int, requests: Int) { peak(in: scenario.afterFrom..<scenario.end)! }

    /// The busiest second while the disturbance lasts (outage, `429`s); `nil` when it has no duration.
    var peakDuring: (second: Int, requests: Int)? {
        scenario.afterFrom > scenario.eventAt ? peak(in: scenario.eventAt..<scenario.afterFrom) : nil
    }

    /// The `q`-quantile (0...1) of the agents' waits for a valid answer, in seconds; `nil` if an agent had none.
    func wait(quantile q: Double) -> Double? {
        guard !waits.contains(-1) else { return nil }
        let sorted = waits.sorted()
        return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]) / 1000
    }
}

/// `duration` in whole milliseconds.
func milliseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
}
