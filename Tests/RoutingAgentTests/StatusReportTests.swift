import Foundation
import HostUpAPI
import Logging
import Reconciliation
import Testing

@testable import RoutingAgent

@Suite struct StatusReportTests {
    let clock = TestClock()
    let directory = temporaryDirectory()
    let kernel = SysctlKernel()

    func makeAgent(bindings: [Binding] = []) throws -> Agent {
        let clock = self.clock
        return try Agent(
            configuration: AgentConfiguration(vpsID: selfID, stateDirectory: directory, bindings: bindings),
            client: nil, kernel: kernel, store: StateStore(directory: directory), logger: Logger(label: "test"),
            localAddresses: { .init(ipv6: [], ipv4: []) }, now: { clock.now }, networkdLinks: directory + "/netif")
    }

    func absorb(_ routes: [HostUpAPI.Route], into agent: Agent) async {
        let doc = document(routes)
        let outcome = RouteValidator(vpsID: selfID, uplinkPrefixes: []).validate(doc)
        await agent.absorb(Agent.Answer(vpsID: selfID, outcome: outcome, document: doc))
    }

    /// What `status` computes: a dry run of the remembered routes.
    func report(_ agent: Agent, runtime: RuntimeStatus = RuntimeStatus()) async throws -> StatusReport {
        StatusReport(reconciled: try await agent.reconcile(dryRun: true), state: await agent.state, runtime: runtime)
    }

    @Test func aRouteIsAppliedOnceTheKernelHoldsItsObjects() async throws {
        let agent = try makeAgent()
        await absorb([route("r1", "2001:db8:1000:10::/64", label: "web")], into: agent)
        let before = try await report(agent)
        #expect(before.routes.map(\.applied) == [false])
        #expect(!before.inSync)
        #expect(before.pendingOperations.contains { $0.contains("2001:db8:1000:10::/64") })

        kernel.hold(try await agent.reconcile().plan)
        let after = try await report(agent)
        #expect(
            after.routes == [
                .init(id: "r1", prefix: "2001:db8:1000:10::/64", label: "web", applied: true, awaitingRemovalSince: nil)
            ])
        #expect(after.inSync)
        #expect(after.pendingOperations == [])
        #expect(after.problems == [])
    }

    @Test func aRouteNoBindingMatchesIsNotApplied() async throws {
        let agent = try makeAgent(bindings: [Binding(match: "mail", mode: .anyip)])
        await absorb([route("r1", "2001:db8:1000:10::/64", label: "web")], into: agent)
        let report = try await report(agent)
        #expect(report.pendingOperations == [], "it has nothing in the kernel, so nothing is pending either")
        #expect(report.routes.map(\.applied) == [false])
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.contains("no binding matches") == true)
        #expect(!report.inSync)
    }

    @Test func aRouteWaitingForItsInterfaceIsNotApplied() async throws {
        let agent = try makeAgent(bindings: [Binding(mode: .address, interface: "br9")])
        await absorb([route("r1", "2001:db8:1000:10::/64")], into: agent)
        kernel.hold(try await agent.reconcile().plan)
        let report = try await report(agent)
        #expect(report.routes.map(\.applied) == [false])
        #expect(report.problems.contains { $0.hasPrefix("# deferred: br9") })
        #expect(!report.inSync)
    }

    @Test func aRouteAwaitingRemovalIsStillAppliedAndSaysSince() async throws {
        let agent = try makeAgent()
        await absorb([route("r1", "2001:db8:1000:10::/64")], into: agent)
        kernel.hold(try await agent.reconcile().plan)
        await absorb([], into: agent)
        let report = try await report(agent)
        #expect(report.routes.first?.applied == true)
        #expect(report.routes.first?.awaitingRemovalSince == clock.now)
    }

    @Test func theLastSyncComesFromTheRuntimeStatus() async throws {
        let agent = try makeAgent()
        var runtime = RuntimeStatus()
        runtime.lastSync = clock.now
        runtime.lastAttempt = clock.now.addingTimeInterval(30)
        runtime.lastError = RuntimeStatus.Failure(.apiTransport, "connection refused")
        runtime.refusals = [RouteRefusal(routeID: "r3", prefix: "2001:db8:1000:30::1/64", reason: "has host bits set")]
        let report = try await report(agent, runtime: runtime)
        #expect(report.lastSync == clock.now)
        #expect(report.lastAttempt == clock.now.addingTimeInterval(30))
        #expect(report.lastError == "connection refused")
        #expect(report.lastErrorCode == "api-transport")
        #expect(report.refusals == ["route r3 (2001:db8:1000:30::1/64) refused: has host bits set"])
        #expect(report.routes == [])
        #expect(report.inSync)
    }

    @Test func theJSONKeysStayAsDocumented() async throws {
        let agent = try makeAgent()
        await absorb([route("r1", "2001:db8:1000:10::/64", label: "web")], into: agent)
        await absorb([], into: agent)
        var runtime = RuntimeStatus()
        runtime.lastSync = Date(timeIntervalSince1970: 1_800_000_000)
        runtime.lastAttempt = runtime.lastSync
        runtime.lastError = RuntimeStatus.Failure(.kernel, "kernel: EPERM")
        var report = try await report(agent, runtime: runtime)
        report.vpsId = selfID  // set by a fetch
        let text = try report.json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "vpsId", "lastSync", "lastAttempt", "lastError", "lastErrorCode", "inSync", "routes",
                "pendingOperations", "refusals", "problems",
            ])
        #expect(object["lastSync"] as? String == "2027-01-15T08:00:00Z")
        let route = try #require((object["routes"] as? [[String: Any]])?.first)
        #expect(Set(route.keys) == ["id", "prefix", "label", "applied", "awaitingRemovalSince"])
    }
}
