/// Retry delays after failed API calls: exponential backoff with full jitter (DESIGN.md "Back off politely").
///
/// After the n-th consecutive failure (n from 0) the delay is drawn uniformly from
/// `[0, min(maximum, base × 2ⁿ)]`, the "full jitter" schedule. A `429` waits at least its `Retry-After`.
public struct Backoff: Sendable {
    /// The first ceiling. Defaults to 5 seconds.
    public var base: Duration
    /// The largest ceiling. Defaults to 5 minutes.
    public var maximum: Duration
    /// Consecutive failures so far.
    public private(set) var failures: Int = 0

    public init(base: Duration = .seconds(5), maximum: Duration = .seconds(300)) {
        self.base = base
        self.maximum = maximum
    }

    /// The ceiling of the next delay: `min(maximum, base × 2^failures)`.
    public var ceiling: Duration {
        let exponent = min(failures, 30)
        let scaled = base * (1 << exponent)
        return scaled > maximum ? maximum : scaled
    }

    /// Records one more failure and returns the delay to wait before the next try.
    ///
    /// - Parameters:
    ///   - atLeast: A lower bound such as a `Retry-After`, applied after the jitter.
    ///   - generator: The random source (injectable for tests).
    public mutating func nextDelay<G: RandomNumberGenerator>(atLeast floor: Duration = .zero, using generator: inout G) -> Duration {
        let ceilingMilliseconds = Self.milliseconds(ceiling)
        failures += 1
        let drawn = Duration.milliseconds(Int64.random(in: 0...ceilingMilliseconds, using: &generator))
        return drawn < floor ? floor : drawn
    }

    /// Records one more failure and returns the delay, with the system random source.
    public mutating func nextDelay(atLeast floor: Duration = .zero) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return nextDelay(atLeast: floor, using: &generator)
    }

    /// Forgets the failures after a success.
    public mutating func reset() { failures = 0 }

    /// `interval` ± 10 %, uniformly: the poll period, jittered so that many VPSes do not poll in step.
    public static func jittered<G: RandomNumberGenerator>(_ interval: Duration, using generator: inout G) -> Duration {
        let milliseconds = milliseconds(interval)
        let spread = milliseconds / 10
        return .milliseconds(milliseconds + Int64.random(in: -spread...spread, using: &generator))
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
