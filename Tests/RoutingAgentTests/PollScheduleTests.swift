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

    @Test func aRefusalWaitsAtLeastAMinute() {
        var schedule = PollSchedule()
        var generator = SplitMix64(state: 14)
        for _ in 0..<50 {
            #expect(schedule.afterFailure(.refused, using: &generator) >= .seconds(60))
        }
    }

    @Test func aRateLimitWithoutRetryAfterWaitsAtLeastFiveSeconds() {
        var generator = SplitMix64(state: 15)
        for _ in 0..<200 {
            var schedule = PollSchedule()
            #expect(schedule.afterFailure(.rateLimited(retryAfter: nil), using: &generator) >= .seconds(5))
        }
    }

    @Test func aRateLimitWaitsAtLeastItsRetryAfter() {
        var generator = SplitMix64(state: 16)
        for _ in 0..<200 {
            var schedule = PollSchedule()
            let delay = schedule.afterFailure(.rateLimited(retryAfter: .seconds(60)), using: &generator)
            #expect(delay >= .seconds(60))
        }
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
