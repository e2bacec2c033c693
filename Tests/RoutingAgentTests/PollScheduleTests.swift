import HostUpAPI
import Testing

@testable import RoutingAgent

@Suite struct PollScheduleTests {
    @Test func aValidAnswerWaitsThePollIntervalWithinTenPercent() {
        var schedule = PollSchedule(pollInterval: .seconds(30))
        var generator = SplitMix64(state: 11)
        for _ in 0..<500 {
            let delay = schedule.afterSuccess(using: &generator)
            #expect(delay >= .seconds(27) && delay <= .seconds(33))
        }
    }

    @Test func aValidAnswerForgetsTheFailures() {
        var schedule = PollSchedule()
        var generator = SplitMix64(state: 12)
        for _ in 0..<4 { _ = schedule.afterFailure(.other, using: &generator) }
        #expect(schedule.consecutiveFailures == 4)
        _ = schedule.afterSuccess(using: &generator)
        #expect(schedule.consecutiveFailures == 0)
        #expect(schedule.backoff.ceiling == .seconds(5))
    }

    @Test func failuresBackOffWithFullJitterUpToFiveMinutes() {
        var generator = SplitMix64(state: 13)
        let ceilings = [5, 10, 20, 40, 80, 160, 300, 300, 300].map { Duration.seconds($0) }
        for _ in 0..<100 {
            var schedule = PollSchedule()
            for ceiling in ceilings {
                let delay = schedule.afterFailure(.other, using: &generator)
                #expect(delay >= .zero && delay <= ceiling)
            }
        }
    }

    @Test func anAPIFailureWhileServingAValidAnswerWaitsAtLeastThePollInterval() {
        var generator = SplitMix64(state: 17)
        let ceilings = [5, 10, 20, 40, 80, 160, 300, 300].map { Duration.seconds($0) }
        var longerThanAnInterval = 0
        for _ in 0..<100 {
            var schedule = PollSchedule(pollInterval: .seconds(30), holdsValidAnswer: true)
            for ceiling in ceilings {
                let delay = schedule.afterFailure(.other, using: &generator)
                #expect(delay >= .seconds(27) && delay <= max(ceiling, .seconds(33)))
                if delay > .seconds(33) { longerThanAnInterval += 1 }
            }
        }
        // The backoff still stretches the wait of a long outage.
        #expect(longerThanAnInterval > 300)
    }

    @Test func aValidAnswerMakesTheScheduleServeIt() {
        var generator = SplitMix64(state: 18)
        var schedule = PollSchedule(pollInterval: .seconds(30))
        #expect(!schedule.holdsValidAnswer)
        _ = schedule.afterSuccess(using: &generator)
        #expect(schedule.holdsValidAnswer)
        #expect(schedule.afterFailure(.other, using: &generator) >= .seconds(27))
    }

    @Test func aFailedReconcileRetriesOnTheBackoffEvenWhileServing() {
        var generator = SplitMix64(state: 19)
        for _ in 0..<200 {
            var schedule = PollSchedule(pollInterval: .seconds(30), holdsValidAnswer: true)
            #expect(schedule.afterFailure(.reconcile, using: &generator) <= .seconds(5))
        }
    }

    @Test func aRefusalWaitsAMinutePlusAPhaseOfThePollInterval() {
        var generator = SplitMix64(state: 14)
        for _ in 0..<200 {
            var schedule = PollSchedule(pollInterval: .seconds(30))
            let delay = schedule.afterFailure(.refused, using: &generator)
            #expect(delay >= .seconds(60) && delay <= .seconds(93))
        }
    }

    @Test func aRateLimitWithoutRetryAfterWaitsFiveSecondsPlusAPhaseOfThePollInterval() {
        var generator = SplitMix64(state: 15)
        for _ in 0..<200 {
            var schedule = PollSchedule(pollInterval: .seconds(30))
            let delay = schedule.afterFailure(.rateLimited(retryAfter: nil), using: &generator)
            #expect(delay >= .seconds(5) && delay <= .seconds(38))
        }
    }

    @Test(arguments: [5, 60, 120, 900] as [Int64])
    func aRateLimitWaitsItsRetryAfterPlusAPhaseOfThePollInterval(retryAfter: Int64) {
        var generator = SplitMix64(state: 16)
        for _ in 0..<500 {
            var schedule = PollSchedule(pollInterval: .seconds(30))
            let delay = schedule.afterFailure(.rateLimited(retryAfter: .seconds(retryAfter)), using: &generator)
            #expect(delay >= .seconds(retryAfter) && delay <= .seconds(retryAfter + 33))
        }
    }

    /// 0.1.0 waited max(draw, Retry-After): a fleet told the same instant came back in the same second.
    @Test func agentsToldTheSameRetryAfterComeBackSpreadOverAPollInterval() {
        var generator = SplitMix64(state: 18)
        var perSecond = [Int](repeating: 0, count: 34)
        for _ in 0..<3000 {
            var schedule = PollSchedule(pollInterval: .seconds(30))
            let delay = schedule.afterFailure(.rateLimited(retryAfter: .seconds(60)), using: &generator)
            perSecond[Int(delay.components.seconds - 60)] += 1
        }
        // About 100 a second for 27 s, then fewer up to 33 s (the phase of an interval of 27 to 33 s): no second
        // gets half as much again as its share.
        #expect(perSecond[0..<27].allSatisfy { $0 > 50 }, "\(perSecond)")
        #expect(perSecond.allSatisfy { $0 < 150 }, "\(perSecond)")
        #expect(perSecond[27..<34].reduce(0, +) < 500, "fewer in the last 6 s: \(perSecond)")
    }

    @Test func aLongerBackoffDrawStillWinsOverTheFloor() {
        var schedule = PollSchedule(pollInterval: .seconds(30))
        var generator = SplitMix64(state: 19)
        for _ in 0..<12 { _ = schedule.afterFailure(.other, using: &generator) }
        var longer = 0
        for _ in 0..<200 {
            var copy = schedule
            let delay = copy.afterFailure(.rateLimited(retryAfter: .seconds(5)), using: &generator)
            #expect(delay >= .seconds(5) && delay <= .seconds(300))
            if delay > .seconds(38) { longer += 1 }
        }
        #expect(longer > 100, "with a 5-minute ceiling most draws exceed Retry-After + spread")
    }

    @Test func theFirstRequestWithACacheIsSpreadOverOnePollInterval() {
        let schedule = PollSchedule(pollInterval: .seconds(30))
        var generator = SplitMix64(state: 20)
        var perTenSeconds = [0, 0, 0, 0]
        for _ in 0..<3000 {
            let delay = schedule.firstRequestDelay(hasCachedState: true, using: &generator)
            #expect(delay >= .zero && delay <= .seconds(33))
            perTenSeconds[Int(delay.components.seconds / 10)] += 1
        }
        // A third in each of the first three 10 s, a few after 30 s.
        #expect(perTenSeconds[0..<3].allSatisfy { $0 > 850 && $0 < 1150 }, "\(perTenSeconds)")
        #expect(perTenSeconds[3] < 100, "\(perTenSeconds)")
    }

    @Test func theFirstRequestWithoutACacheGoesOutAtOnce() {
        let schedule = PollSchedule(pollInterval: .seconds(30))
        var generator = SplitMix64(state: 17)
        for _ in 0..<100 {
            #expect(schedule.firstRequestDelay(hasCachedState: false, using: &generator) == .zero)
        }
    }

    @Test(arguments: [
        (HostUpAPIError.Code.rateLimited, PollSchedule.Failure.rateLimited(retryAfter: .seconds(42))),
        (.unauthorized, .refused), (.forbidden, .refused), (.transport, .other), (.httpStatus, .other),
        (.decoding, .other), (.notFound, .other),
    ])
    func apiErrorsMapToFailures(code: HostUpAPIError.Code, failure: PollSchedule.Failure) {
        let error = HostUpAPIError(code: code, message: "test", retryAfter: .seconds(42))
        #expect(PollSchedule.Failure(error) == failure)
    }
}
