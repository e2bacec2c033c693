import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import SystemdIntegration

struct WatchdogServiceTests {
    private final class PingCounter: Sendable {
        let count = Atomic<Int>(0)
        func ping() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }

    /// Runs `service` while `body` runs, then cancels it and waits for it to end.
    private func run(_ service: WatchdogService, during body: @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            try await body()
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    @Test func pingsEveryHalfIntervalWhileHealthy() async throws {
        let pings = PingCounter()
        let service = WatchdogService(
            interval: .milliseconds(200), logger: Logger(label: "test"), isHealthy: { true }, ping: pings.ping)
        let started = ContinuousClock.now
        // Waits for the pings instead of counting them in a fixed window, so a loaded machine cannot fail it.
        try await run(service) {
            let repeated = try await eventually { pings.value >= 3 }
            #expect(repeated, "it repeats")
        }
        let elapsed = ContinuousClock.now - started
        // Not faster than every half interval (100 ms): one at start, then at most one per 100 ms elapsed.
        #expect(Double(pings.value) <= elapsed / .milliseconds(100) + 2)
    }

    /// Waits until `condition` holds, polling every 10 ms, for at most 10 s.
    private func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<1000 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func withholdsPingsWhileUnhealthyAndLogsOnce() async throws {
        let pings = PingCounter()
        let healthy = Atomic<Bool>(true)
        let records = RecordingLogHandler()
        let logger = Logger(label: "test") { _ in records }
        let service = WatchdogService(
            interval: .milliseconds(200), logger: logger, isHealthy: { healthy.load(ordering: .relaxed) },
            ping: pings.ping)

        let (pingedWhileHealthy, wedged, resumed) = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            let pingedWhileHealthy = try await eventually { pings.value >= 2 }
            healthy.store(false, ordering: .relaxed)
            // A check that already passed may still ping once; after that, none for several half intervals.
            try await Task.sleep(for: .milliseconds(150))
            let start = pings.value
            try await Task.sleep(for: .milliseconds(500))
            let wedged = start...pings.value
            healthy.store(true, ordering: .relaxed)
            let resumed = try await eventually { pings.value > wedged.upperBound }
            group.cancelAll()
            try await group.waitForAll()
            return (pingedWhileHealthy, wedged, resumed)
        }
        #expect(pingedWhileHealthy)
        #expect(wedged.lowerBound == wedged.upperBound, "no ping while unhealthy")
        #expect(resumed, "pings resume once healthy")

        let messages = records.records.messages
        #expect(messages.filter { $0.contains("withholding WATCHDOG=1") }.count == 1)
        #expect(messages.filter { $0.contains("resuming watchdog pings") }.count == 1)
    }

    @Test func endsOnGracefulShutdown() async throws {
        let pings = PingCounter()
        let service = WatchdogService(
            interval: .seconds(10), logger: Logger(label: "test"), isHealthy: { true }, ping: pings.ping)
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(100))
            await group.triggerGracefulShutdown()
            // Returns long before the 5 s sleep between pings would end.
            try await tasks.waitForAll()
        }
        #expect(pings.value == 1)
    }
}

struct LoopProgressTests {
    @Test func idleIsHealthy() {
        let progress = LoopProgress()
        #expect(progress.isHealthy(limit: .zero))
        #expect(progress.completedSteps == 0)
    }

    @Test func aStepIsHealthyUntilItOutlastsTheLimit() async throws {
        let progress = LoopProgress()
        progress.beginStep()
        #expect(progress.isHealthy(limit: .seconds(60)))
        try await Task.sleep(for: .milliseconds(50))
        #expect(!progress.isHealthy(limit: .milliseconds(10)))
        progress.endStep()
        #expect(progress.isHealthy(limit: .milliseconds(10)))
        #expect(progress.completedSteps == 1)
    }

    @Test func stepEndsEvenWhenTheBodyThrows() async {
        struct Failure: Error {}
        let progress = LoopProgress()
        await #expect(throws: Failure.self) {
            try await progress.step {
                #expect(!progress.isHealthy(limit: .zero))
                throw Failure()
            }
        }
        #expect(progress.isHealthy(limit: .zero))
        #expect(progress.completedSteps == 1)
        let value = await progress.step { 42 }
        #expect(value == 42)
        #expect(progress.completedSteps == 2)
    }
}
