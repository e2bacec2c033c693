import FoundationEssentials
import HostUpAPI
import IPv6Addressing
import Logging
import Netlink
import Reconciliation
import Synchronization
import Testing

@testable import RoutingAgent

@Suite struct RepairLimiterTests {
    let start = ContinuousClock.now

    @Test func aBurstOfFiveThenOneEveryFiveSeconds() {
        var limiter = RepairLimiter()
        for _ in 0..<5 { #expect(limiter.admit(at: start) == .now) }
        guard case .wait(let delay, first: true) = limiter.admit(at: start) else {
            Issue.record("the sixth pass at once must wait")
            return
        }
        #expect(delay == .seconds(5))
        guard case .wait(_, first: false) = limiter.admit(at: start + .seconds(1)) else {
            Issue.record("the same burst is reported as limited only once")
            return
        }
        #expect(limiter.admit(at: start + .seconds(5)) == .now)
        #expect(limiter.admit(at: start + .seconds(5)) != .now)
    }

    @Test func aManagerDeletingEvery100msFor10sGetsAtMostBurstPlusTwoRepairs() {
        // The repair loop's behaviour: a pass that must wait sleeps the delay it is given, then asks again.
        var limiter = RepairLimiter()
        var now = start
        var repairs = 0
        var limitedReports = 0
        var next = start
        while now < start + .seconds(10) {
            now += .milliseconds(100)  // the manager deletes again; the repair is due after the debounce
            guard now >= next else { continue }
            switch limiter.admit(at: now) {
            case .now:
                repairs += 1
            case .wait(let delay, let first):
                if first { limitedReports += 1 }
                next = now + delay
            }
        }
        #expect(repairs <= RepairLimiter.defaultBurst + 2)
        #expect(repairs >= RepairLimiter.defaultBurst + 1, "repairs go on at the slow rate")
        #expect(limitedReports == 1)
    }

    @Test func theBurstSummaryComesOnceTheBucketIsFullAgain() {
        var limiter = RepairLimiter(burst: 2, interval: .seconds(5))
        _ = limiter.admit(at: start)
        _ = limiter.admit(at: start)
        #expect(limiter.finishedBurst(at: start) == nil, "not limited yet")
        _ = limiter.admit(at: start)
        #expect(limiter.admit(at: start + .seconds(5)) == .now)
        #expect(limiter.finishedBurst(at: start + .seconds(6)) == nil, "the bucket is not full yet")
        let summary = limiter.finishedBurst(at: start + .seconds(20))
        #expect(summary == RepairLimiter.BurstSummary(duration: .seconds(20), repairs: 1, heldBack: 1))
        #expect(limiter.finishedBurst(at: start + .seconds(30)) == nil, "reported once")
    }
}

@Suite struct AgentMirrorTests {
    let directory = temporaryDirectory()
    let prefix = try! IPv6Prefix("2001:db8:1000:10::/64")

    func makeAgent(_ kernel: SysctlKernel) throws -> Agent {
        try Agent(
            configuration: AgentConfiguration(vpsID: selfID, stateDirectory: directory), client: nil,
            kernel: kernel, store: StateStore(directory: directory), logger: Logger(label: "test"),
            localAddresses: { .init(ipv6: [], ipv4: []) }, networkdLinks: directory + "/netif")
    }

    @Test func withTheMirrorReconcilesDoNotDump() async throws {
        let kernel = SysctlKernel()
        let agent = try makeAgent(kernel)
        try await agent.attachMirror()
        for _ in 0..<3 {
            _ = try await agent.reconcile(routes: [RoutedPrefix(id: "r1", prefix: prefix)])
        }
        #expect(await agent.runtime.counters.kernelDumps == 1)
        try await agent.resyncMirror(reason: .lostEvents)
        #expect(await agent.runtime.counters.kernelDumps == 2)
        #expect(await agent.runtime.counters.resyncs == ["ENOBUFS": 1])
    }

    @Test func withoutTheMirrorEachReconcileDumpsOnce() async throws {
        let agent = try makeAgent(SysctlKernel())
        _ = try await agent.reconcile(routes: [RoutedPrefix(id: "r1", prefix: prefix)])
        _ = try await agent.reconcile(dryRun: true)
        #expect(await agent.runtime.counters.kernelDumps == 2)
    }

    @Test func theAgentsOwnObjectsAreNotDriftButTheirRemovalIs() async throws {
        let kernel = SysctlKernel()
        let agent = try makeAgent(kernel)
        try await agent.attachMirror()
        // Nothing is drift before the agent converged to anything.
        let local = Netlink.Route(
            destination: prefix, type: .local, table: .local, routeProtocol: .hostup, outputInterface: 1,
            metric: DesiredRoute.defaultMetric)
        #expect(await agent.absorb(kernelEvent: .deletedRoute(local)) == .none)

        await agent.absorb(answer([route("r1", "2001:db8:1000:10::/64")]))
        let result = try await agent.reconcile()
        let added = result.plan.operations.filter {
            if case .addRoute = $0 { return true }
            return false
        }
        #expect(!added.isEmpty)
        #expect(await agent.absorb(kernelEvent: .newRoute(local, replaces: false)) == .none, "the agent's own route")
        guard case .drift(let cause) = await agent.absorb(kernelEvent: .deletedRoute(local)) else {
            Issue.record("deleting the agent's local route is drift")
            return
        }
        #expect(cause.contains("2001:db8:1000:10::/64"))
        #expect(cause.contains("removed on lo"))
        // A route of someone else's elsewhere is not.
        let other = Netlink.Route(destination: try IPv6Prefix("2001:db8:9::/64"), routeProtocol: .static, outputInterface: 3)
        #expect(await agent.absorb(kernelEvent: .newRoute(other, replaces: false)) == .none)
        #expect(await agent.absorb(kernelEvent: .deletedRoute(other)) == .none)
        #expect(await agent.absorb(kernelEvent: .lostEvents) == .lostEvents)
    }

    @Test func aPollWithTheSameAnswerNeedsNoReconcileWhileTheMirrorHoldsTheKernel() async throws {
        let kernel = SysctlKernel()
        let agent = try makeAgent(kernel)
        await agent.absorb(answer([route("r1", "2001:db8:1000:10::/64")]))
        #expect(await agent.needsReconcile)
        _ = try await agent.reconcile()
        #expect(await agent.needsReconcile, "without the mirror every poll reconciles")
        try await agent.attachMirror()
        _ = try await agent.reconcile()
        #expect(await !agent.needsReconcile)
        await agent.absorb(answer([route("r1", "2001:db8:1000:10::/64")]))
        #expect(await !agent.needsReconcile, "the same answer again")
        await agent.absorb(answer([route("r1", "2001:db8:1000:10::/64"), route("r2", "2001:db8:1000:20::/64")]))
        #expect(await agent.needsReconcile, "a new route")
        _ = try await agent.reconcile()
        #expect(await !agent.needsReconcile)
        // A sysctl set behind the agent's back has no announcement (only forwarding has): the poll reads them.
        #expect(await !agent.needsReconcile)
        kernel.state.withLock { $0.sysctls[SysctlKey(.nonlocalBind, interface: nil)] = 0 }
        #expect(await agent.needsReconcile, "ip_nonlocal_bind set back to 0 by someone else")
        _ = try await agent.reconcile()
        #expect(await !agent.needsReconcile)
        await agent.detachMirror()
        #expect(await agent.needsReconcile, "without the mirror again")
    }

    func answer(_ routes: [HostUpAPI.Route]) -> Agent.Answer {
        let doc = document(routes)
        let validator = RouteValidator(vpsID: selfID, uplinkPrefixes: [])
        return Agent.Answer(vpsID: selfID, outcome: validator.validate(doc), document: doc)
    }
}
