import Testing

@testable import RoutingAgent

@Suite struct PollTriggerTests {
    @Test func timesOutWithNil() async {
        let trigger = PollTrigger()
        #expect(await trigger.wait(upTo: .milliseconds(20)) == nil)
    }

    @Test func aFireWakesTheWaiterEarly() async {
        let trigger = PollTrigger()
        let start = ContinuousClock.now
        async let reason = trigger.wait(upTo: .seconds(30))
        try? await Task.sleep(for: .milliseconds(50))
        trigger.fire(.reload)
        #expect(await reason == .reload)
        #expect(ContinuousClock.now - start < .seconds(10), "woken by the fire, not the 30 s timer")
    }

    @Test func aFireWithoutAWaiterIsKeptForTheNextWait() async {
        let trigger = PollTrigger()
        trigger.fire(.syncNow)
        #expect(await trigger.wait(upTo: .seconds(30)) == .syncNow)
        #expect(await trigger.wait(upTo: .milliseconds(20)) == nil, "consumed once")
    }

    @Test func cancellationEndsTheWait() async {
        let trigger = PollTrigger()
        let task = Task { await trigger.wait(upTo: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(20))
        task.cancel()
        #expect(await task.value == nil)
    }

    @Test func aPendingReloadIsNotReplacedByASyncRequest() async {
        let trigger = PollTrigger()
        trigger.fire(.reload)
        trigger.fire(.syncNow)
        #expect(await trigger.wait(upTo: .seconds(30)) == .reload, "the reload also syncs; the sync must not drop it")
    }
}
