import Testing

@testable import RoutingAgent

/// A deterministic generator (SplitMix64) so the bounds are checked over many draws, repeatably.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct BackoffTests {
    @Test func ceilingDoublesFromFiveSecondsToFiveMinutes() {
        var backoff = Backoff()
        var generator = SplitMix64(state: 1)
        var ceilings: [Duration] = []
        for _ in 0..<10 {
            ceilings.append(backoff.ceiling)
            _ = backoff.nextDelay(using: &generator)
        }
        #expect(ceilings == [5, 10, 20, 40, 80, 160, 300, 300, 300, 300].map { Duration.seconds($0) })
    }

    @Test func delaysStayWithinFullJitterBounds() {
        var generator = SplitMix64(state: 42)
        for attempt in 0..<12 {
            var backoff = Backoff()
            for _ in 0..<attempt { _ = backoff.nextDelay(using: &generator) }
            let ceiling = backoff.ceiling
            var sawLowerHalf = false
            for _ in 0..<200 {
                var copy = backoff
                let delay = copy.nextDelay(using: &generator)
                #expect(delay >= .zero && delay <= ceiling)
                if delay < ceiling / 2 { sawLowerHalf = true }
            }
            #expect(sawLowerHalf, "full jitter draws from [0, ceiling], not near the ceiling only")
        }
    }

    @Test func retryAfterIsAFloor() {
        var backoff = Backoff()
        var generator = SplitMix64(state: 7)
        for _ in 0..<50 {
            #expect(backoff.nextDelay(atLeast: .seconds(120), using: &generator) >= .seconds(120))
        }
    }

    @Test func resetStartsOver() {
        var backoff = Backoff()
        var generator = SplitMix64(state: 3)
        for _ in 0..<5 { _ = backoff.nextDelay(using: &generator) }
        backoff.reset()
        #expect(backoff.ceiling == .seconds(5))
    }

    @Test func pollJitterIsTenPercent() {
        var generator = SplitMix64(state: 9)
        var low = Duration.seconds(1000)
        var high = Duration.zero
        for _ in 0..<2000 {
            let delay = Backoff.jittered(.seconds(30), using: &generator)
            low = min(low, delay)
            high = max(high, delay)
        }
        #expect(low >= .seconds(27) && low < .seconds(28))
        #expect(high <= .seconds(33) && high > .seconds(32))
    }
}
