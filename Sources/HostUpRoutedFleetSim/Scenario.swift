import RoutingAgent

/// One thing that happens to the whole fleet, and what the API answers meanwhile.
///
/// Times are seconds of virtual time from the start of the run. Every request is answered at once (the simulation
/// measures when requests are sent, which is what the agents' schedule decides).
struct Scenario: Sendable {
    /// A short name for the command line and the table: `outage`, `boot` or `rate-limit`.
    var name: String
    /// What happens, for the report.
    var title: String
    /// How the agents start: `true`, all at second 0 with a cached state (a region booting); `false`, already
    /// running for a long time, so their polls are spread over a poll interval.
    var boot: Bool
    /// When the disturbance begins (the outage, the boot, the first `429`).
    var eventAt: Int
    /// From when the request rate is held to the goal: the recovery, the boot, the `429`.
    var afterFrom: Int
    /// From when an agent can get a valid answer again; the time each agent waits from here to its first one is
    /// reported.
    var answersFrom: Int
    /// The end of the run.
    var end: Int
    /// The API's answer to a request sent at `milliseconds`: `nil` for a valid answer.
    var answer: @Sendable (_ milliseconds: Int64) -> PollSchedule.Failure?

    /// (a) Every request fails as a transport error for `seconds` (10 minutes: an API outage) from 300 s, then the
    /// API comes back; the run goes on 15 minutes after that.
    static func outage(seconds: Int = 600) -> Scenario {
        let recovery = 300 + seconds
        let down = 300_000..<Int64(recovery) * 1000
        return Scenario(
            name: "outage", title: "\(seconds)-s API outage (transport errors) at 300 s, recovery at \(recovery) s",
            boot: false, eventAt: 300, afterFrom: recovery, answersFrom: recovery, end: recovery + 900,
            answer: { milliseconds in down.contains(milliseconds) ? .other : nil })
    }

    /// (b) Every agent starts in the same second, with a cached state (a region booting after a power cut).
    static let boot = Scenario(
        name: "boot", title: "every agent starts at 0 s with a cached state (a region booting)",
        boot: true, eventAt: 0, afterFrom: 0, answersFrom: 0, end: 900,
        answer: { _ in nil })

    /// (c) From 300 s to 360 s the API answers every request `429` with a `Retry-After` naming the same instant,
    /// 360 s: an HTTP-date, or `60` to a fleet that asks in the same second. The agent reads it as the whole seconds
    /// from its request to that instant, rounded up (`HostUpAPIError.retryAfter`).
    static let rateLimit = Scenario(
        name: "rate-limit", title: "every request in [300 s, 360 s) answered 429, Retry-After until 360 s",
        boot: false, eventAt: 300, afterFrom: 300, answersFrom: 360, end: 1200,
        answer: { milliseconds in
            guard milliseconds >= 300_000 && milliseconds < 360_000 else { return nil }
            return .rateLimited(retryAfter: .seconds((360_000 - milliseconds + 999) / 1000))
        })

    /// The three scenarios, the outage lasting `outageSeconds`.
    static func all(outageSeconds: Int = 600) -> [Scenario] { [.outage(seconds: outageSeconds), .boot, .rateLimit] }
}
