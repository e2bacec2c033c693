import FoundationEssentials
import HostUpAPI
import IPv6Addressing
import Logging
import Reconciliation
import Synchronization
import Testing

@testable import RoutingAgent

/// The API's answers, one per fetch, in order.
final class ScriptedAPI: Sendable {
    private let script: Mutex<[Result<Agent.Answer, HostUpAPIError>]>
    private let count = Mutex(0)

    init(_ script: [Result<Agent.Answer, HostUpAPIError>]) {
        self.script = Mutex(script)
    }

    var fetches: Int { count.withLock { $0 } }

    func fetch() throws -> Agent.Answer {
        count.withLock { $0 += 1 }
        return try script.withLock { $0.removeFirst() }.get()
    }
}

/// A sleep that records each wait and moves a ``TestClock`` on by it instead of waiting.
final class JumpingSleep: Sendable {
    let clock: TestClock
    private let waits = Mutex<[Duration]>([])

    init(_ clock: TestClock) {
        self.clock = clock
    }

    var slept: [Duration] { waits.withLock { $0 } }

    func sleep(_ duration: Duration) {
        waits.withLock { $0.append(duration) }
        clock.advance(seconds: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}

@Suite struct OneShotSyncTests {
    let clock = TestClock()
    let directory = temporaryDirectory()
    let kernel = SysctlKernel()
    let sleeper: JumpingSleep
    let r1 = route("r1", "2001:db8:1000:10::/64")
    let r2 = route("r2", "2001:db8:1000:20::/64")

    init() {
        sleeper = JumpingSleep(clock)
    }

    func makeAgent() throws -> Agent {
        let clock = self.clock
        return try Agent(
            configuration: AgentConfiguration(vpsID: selfID, stateDirectory: directory), client: nil, kernel: kernel,
            store: StateStore(directory: directory), logger: Logger(label: "test"),
            localAddresses: { .init(ipv6: [], ipv4: []) }, now: { clock.now }, networkdLinks: directory + "/netif")
    }

    /// A sync over `api` whose sleep moves the clock on instead of waiting.
    func sync(_ agent: Agent, _ api: ScriptedAPI) -> OneShotSync {
        let sleeper = self.sleeper
        return OneShotSync(agent: agent, fetch: { try api.fetch() }, sleep: { sleeper.sleep($0) })
    }

    func answer(_ routes: [HostUpAPI.Route]) -> Result<Agent.Answer, HostUpAPIError> {
        let doc = document(routes)
        return .success(Agent.Answer(vpsID: selfID, outcome: RouteValidator(vpsID: selfID, uplinkPrefixes: []).validate(doc), document: doc))
    }

    /// An agent whose kernel holds r1 and r2, as after an earlier sync.
    func agentHoldingBothRoutes() async throws -> Agent {
        let agent = try makeAgent()
        await agent.absorb(try answer([r1, r2]).get())
        kernel.hold(try await agent.reconcile().plan)
        clock.advance(seconds: 60)
        return agent
    }

    static let transportFailure = HostUpAPIError(code: .transport, message: "connection refused")

    @Test func aRouteLeftOutIsRemovedWhenASecondAnswerTwoSecondsLaterConfirms() async throws {
        let agent = try await agentHoldingBothRoutes()
        let api = ScriptedAPI([answer([r1]), answer([r1])])
        guard case .reconciled(let result, _) = await sync(agent, api).run(dryRun: false) else {
            Issue.record("the sync did not reconcile")
            return
        }
        #expect(api.fetches == 2)
        #expect(sleeper.slept == [Agent.removalConfirmationDelay + OneShotSync.confirmationMargin])
        let removals = result.plan.operations.map(\.description).filter { $0.contains(" del ") }
        #expect(!removals.isEmpty)
        #expect(removals.allSatisfy { $0.contains("2001:db8:1000:20:") })
        #expect(result.report?.failed == [])
        #expect(await agent.state.routes.map(\.id) == ["r1"])
        #expect(await agent.runtime.lastSync == clock.now)
    }

    @Test func aRouteBackInTheSecondAnswerStays() async throws {
        let agent = try await agentHoldingBothRoutes()
        let api = ScriptedAPI([answer([r1]), answer([r1, r2])])
        guard case .reconciled(let result, _) = await sync(agent, api).run(dryRun: false) else {
            Issue.record("the sync did not reconcile")
            return
        }
        #expect(api.fetches == 2)
        #expect(result.plan.operations.isEmpty)
        #expect(await agent.state.routes.map(\.id) == ["r1", "r2"])
        #expect(await agent.confirmationDue() == nil)
    }

    @Test func withNothingToConfirmItFetchesOnceAndDoesNotWait() async throws {
        let agent = try makeAgent()
        let api = ScriptedAPI([answer([r1])])
        guard case .reconciled(let result, let refusals) = await sync(agent, api).run(dryRun: false) else {
            Issue.record("the sync did not reconcile")
            return
        }
        #expect(api.fetches == 1)
        #expect(sleeper.slept.isEmpty)
        #expect(result.plan.operations.map(\.description).contains { $0.contains("2001:db8:1000:10::/64") })
        #expect(refusals.isEmpty)
    }

    @Test func aFailedSecondFetchChangesNothingAndIsRecorded() async throws {
        let agent = try await agentHoldingBothRoutes()
        let before = try kernel.observe()
        let api = ScriptedAPI([answer([r1]), .failure(Self.transportFailure)])
        guard case .apiFailed(let error) = await sync(agent, api).run(dryRun: false) else {
            Issue.record("the failed fetch was not reported")
            return
        }
        #expect((error as? HostUpAPIError)?.code == .transport)
        #expect(try kernel.observe() == before)
        #expect(await agent.state.routes.map(\.id) == ["r1", "r2"], "r2 still awaits its confirmation")
        #expect(await agent.runtime.lastError?.kind == .apiTransport)
    }

    @Test func aDryRunRecordsNothing() async throws {
        let agent = try makeAgent()
        guard case .apiFailed = await sync(agent, ScriptedAPI([.failure(Self.transportFailure)])).run(dryRun: true) else {
            Issue.record("the failed fetch was not reported")
            return
        }
        #expect(await agent.runtime.lastError == nil)
        guard case .reconciled(let result, _) = await sync(agent, ScriptedAPI([answer([r1])])).run(dryRun: true) else {
            Issue.record("the dry run did not plan")
            return
        }
        #expect(result.report == nil)
        #expect(!result.plan.operations.isEmpty)
        #expect(await agent.runtime.lastSync == nil)
    }

    @Test func refusalsComeWithTheResult() async throws {
        let agent = try makeAgent()
        let api = ScriptedAPI([answer([r1, route("r3", "2001:db8:1000:30::1/64")])])
        guard case .reconciled(_, let refusals) = await sync(agent, api).run(dryRun: false) else {
            Issue.record("the sync did not reconcile")
            return
        }
        #expect(refusals.map(\.routeID) == ["r3"])
    }

    @Test func aKernelThatCannotBeReadIsReported() async throws {
        let agent = try Agent(
            configuration: AgentConfiguration(vpsID: selfID, stateDirectory: directory), client: nil,
            kernel: UnreachableKernel(), store: StateStore(directory: directory), logger: Logger(label: "test"),
            localAddresses: { .init(ipv6: [], ipv4: []) })
        guard case .reconcileFailed = await sync(agent, ScriptedAPI([answer([r1])])).run(dryRun: false) else {
            Issue.record("the kernel failure was not reported")
            return
        }
    }
}
