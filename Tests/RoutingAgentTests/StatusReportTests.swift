import Foundation
import HostUpAPI
import Logging
import Netlink
import IPv6Addressing
import Reconciliation
import SystemPackage
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
                .init(
                    id: "r1", prefix: "2001:db8:1000:10::/64", label: "web", applied: true, awaitingRemovalSince: nil,
                    state: .applied, bindings: [#"bindings[-]: match = "*", mode = "anyip""#],
                    objects: [
                        .init(kind: .address, object: "2001:db8:1000:10::1/128 dev lo", interface: "lo", state: .held),
                        .init(
                            kind: .localRoute, object: "local 2001:db8:1000:10::/64 dev lo table local",
                            interface: "lo", state: .held),
                        .init(
                            kind: .unreachableRoute, object: "unreachable 2001:db8:1000:10::/64 metric 4294967295",
                            state: .held),
                    ],
                    reasons: [])
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

    /// A label from the API with a line break cannot forge a route line in `status`.
    @Test func aLabelWithALineBreakStaysOnItsLine() async throws {
        let agent = try makeAgent(bindings: [Binding(match: "*", mode: .anyip)])
        let forged = "x\"\n  2001:db8:1000:99::/64  ripv6rt_fake  \"fake"
        await absorb([route("r1", "2001:db8:1000:10::/64", label: forged)], into: agent)
        let lines = try await report(agent).lines(now: Date())
        #expect(!lines.contains { $0.contains("\n") || $0.hasPrefix("  2001:db8:1000:99::/64") })
        #expect(lines.contains { $0.hasPrefix("  2001:db8:1000:10::/64  r1  \"x\\\"\\x0a  2001:db8:1000:99::/64") }, "\(lines)")
    }

    /// A `"` inside a label cannot end the quoted label early and pose as the route's state.
    @Test func aQuoteInALabelIsEscaped() async throws {
        let agent = try makeAgent(bindings: [Binding(match: "*", mode: .anyip)])
        await absorb([route("r1", "2001:db8:1000:10::/64", label: #"web"  applied \"#)], into: agent)
        let lines = try await report(agent).lines(now: Date())
        #expect(lines.contains(#"  2001:db8:1000:10::/64  r1  "web\"  applied \\"  PENDING"#), "\(lines)")
    }

    /// A binding problem names the binding as everything else does: `bindings[1]` is the config's second entry.
    @Test func aBindingProblemNamesTheBindingByItsIndex() async throws {
        let agent = try makeAgent(bindings: [
            Binding(match: "mail"), Binding(match: "web", mode: .address, interface: "br0", split: 56),
        ])
        await absorb([route("r1", "2001:db8:1000:10::/64", label: "web")], into: agent)
        let report = try await report(agent)
        let route = try #require(report.route(id: "r1"))
        #expect(route.state == .bindingProblem)
        #expect(route.bindings.allSatisfy { $0.hasPrefix("bindings[1]: ") }, "\(route.bindings)")
        #expect(report.problems.count == 1)
        #expect(report.problems.first?.hasPrefix("route r1 (2001:db8:1000:10::/64), bindings[1]: ") == true,
            "\(report.problems)")
    }

    /// `sync` with nothing to change says "in sync" only when `status` would: a deferred route is a problem there.
    @Test func syncsNothingToDoLineAgreesWithStatus() async throws {
        let agent = try makeAgent(bindings: [Binding(mode: .route, interface: "wg0")])
        await absorb([route("r1", "2001:db8:1000:10::/64")], into: agent)
        kernel.hold(try await agent.reconcile().plan)
        let result = try await agent.reconcile()
        #expect(result.plan.operations.isEmpty)
        #expect(!(try await report(agent)).inSync)
        let line = OneShotSync.nothingToDoLine(result, dryRun: false)
        #expect(line == "nothing to change; 1 problem: deferred: wg0 not found (route r1): route 2001:db8:1000:10::/64 (hostup-routed status says why)", "\(line)")
        #expect(OneShotSync.nothingToDoLine(result, dryRun: true) == "# " + line)

        let fine = try makeAgent()
        await absorb([route("r2", "2001:db8:1000:20::/64")], into: fine)
        kernel.hold(try await fine.reconcile().plan)
        let converged = try await fine.reconcile()
        #expect(try await report(fine).inSync)
        #expect(OneShotSync.nothingToDoLine(converged, dryRun: false) == "in sync: nothing to do")
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
        #expect(report.routes.map(\.id) == ["r3"], "a refused route the agent holds no form of is listed")
        #expect(report.routes.first?.state == .refused)
        #expect(report.routes.first?.reasons == ["refused: has host bits set"])
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
                "schemaVersion", "vpsId", "lastSync", "lastAttempt", "lastError", "lastErrorCode", "inSync", "summary",
                "routes", "pendingOperations", "refusals", "problems", "otherProblems",
            ])
        #expect(object["schemaVersion"] as? Int == 1)
        #expect(object["lastSync"] as? String == "2027-01-15T08:00:00Z")
        let route = try #require((object["routes"] as? [[String: Any]])?.first)
        #expect(
            Set(route.keys) == [
                "id", "prefix", "label", "applied", "awaitingRemovalSince", "state", "bindings", "objects", "reasons",
            ])
    }

    /// A route whose binding names an interface that does not exist: the unreachable route is held, the route on
    /// the interface is deferred, and the report says so per object (issue 12: `routes create` said "the kernel
    /// routes P" then).
    @Test func aDeferredRouteSaysWhichObjectWaitsAndWhy() async throws {
        let agent = try makeAgent(bindings: [Binding(mode: .route, interface: "wg0")])
        await absorb([route("r1", "2001:db8:1000:10::/64")], into: agent)
        kernel.hold(try await agent.reconcile().plan)
        let report = try await report(agent)
        let status = try #require(report.route(id: "r1"))
        #expect(status.state == .deferred)
        #expect(!status.applied)
        #expect(status.bindings == [#"bindings[0]: match = "*", mode = "route", interface = "wg0""#])
        #expect(
            status.objects == [
                .init(
                    kind: .route, object: "2001:db8:1000:10::/64 dev wg0", interface: "wg0", state: .deferred,
                    reason: "wg0 not found"),
                .init(kind: .unreachableRoute, object: "unreachable 2001:db8:1000:10::/64 metric 4294967295", state: .held),
            ])
        #expect(status.reasons == ["deferred: 2001:db8:1000:10::/64 dev wg0: wg0 not found"])
        #expect(report.summary.deferred == 1 && report.summary.routes == 1)
        #expect(report.summaryLine == "1 route: 1 deferred (deferred: 2001:db8:1000:10::/64 dev wg0: wg0 not found)")
    }

    /// A hand-made address where the agent's `anyip` address goes: a conflict, named under the route, and the text
    /// has no planner comment mark (issue 12: `status` printed `! # conflict`).
    @Test func aConflictIsShownUnderItsRouteWithoutTheCommentMark() async throws {
        let agent = try makeAgent()
        await absorb([route("r1", "2001:db8:1000:10::/64")], into: agent)
        kernel.mutate { observed in
            observed.addresses.append(
                InterfaceAddress(
                    ifindex: 1, address: try! IPv6Address("2001:db8:1000:10::1"), prefixLength: 128,
                    addressProtocol: .unspecified))
        }
        let report = try await report(agent)
        let status = try #require(report.route(id: "r1"))
        #expect(status.state == .conflict)
        let address = try #require(status.objects.first { $0.kind == .address })
        #expect(address.state == .conflict)
        #expect(address.reason == "2001:db8:1000:10::1/128 on lo (not added by hostup-routed) is in the way, left alone")
        let lines = report.lines(now: clock.now)
        #expect(!lines.contains { $0.contains("# ") }, "\(lines)")
        #expect(lines.contains("  2001:db8:1000:10::/64  r1  CONFLICT"))
        #expect(lines.contains { $0.hasPrefix("      why: conflict: 2001:db8:1000:10::1/128 dev lo: ") })
    }

    /// The kernel refuses the route on br0: after that reconcile (the daemon's), the report says which object and
    /// the errno, and the daemon's `STATUS=` line counts it from the same report.
    @Test func aKernelErrorNamesTheObjectAndTheErrno() async throws {
        let refusing = RefusingKernel(kernel)
        let clock = self.clock
        let agent = try Agent(
            configuration: AgentConfiguration(
                vpsID: selfID, stateDirectory: directory, bindings: [Binding(mode: .route, interface: "br0")]),
            client: nil, kernel: refusing, store: StateStore(directory: directory), logger: Logger(label: "test"),
            localAddresses: { .init(ipv6: [], ipv4: []) }, now: { clock.now }, networkdLinks: directory + "/netif")
        await absorb([route("r1", "2001:db8:1000:10::/64")], into: agent)
        _ = try await agent.reconcile()
        let report = try #require(await agent.statusReport())
        let status = try #require(report.route(id: "r1"))
        #expect(status.state == .kernelError)
        let failed = try #require(status.objects.first { $0.kind == .route })
        #expect(failed.state == .kernelError)
        #expect(failed.errno == 1)
        #expect(failed.reason?.contains("Operation not permitted") == true, "\(failed.reason ?? "")")
        #expect(await agent.statusLine(.synced).hasPrefix("1 route on br0: 1 kernel-error (kernel-error: "))
        // The kernel line counts it: not "0 problems" beside a kernel-error.
        #expect(report.lines(now: clock.now).contains { $0.hasPrefix("kernel:     not in sync: ") && $0.hasSuffix(", 1 route the kernel refused") })
    }

    /// `status` and `routes create --wait` run in another process and plan only: the kernel's refusal in the last
    /// real reconcile (a one-shot `sync` here) reaches them through the runtime status, with its errno, instead of
    /// "pending".
    @Test func theLastRealReconcilesKernelErrorReachesStatusAndTheWait() async throws {
        let refusing = RefusingKernel(kernel)
        let clock = self.clock
        let configuration = AgentConfiguration(
            vpsID: selfID, stateDirectory: directory, bindings: [Binding(mode: .route, interface: "br0")])
        let runtimeStore = RuntimeStatusStore(directory: directory + "/run")
        func agent(readOnly: Bool) throws -> Agent {
            try Agent(
                configuration: configuration, client: nil, kernel: refusing, store: StateStore(directory: directory),
                logger: Logger(label: "test"), localAddresses: { .init(ipv6: [], ipv4: []) }, now: { clock.now },
                networkdLinks: directory + "/netif", runtimeStore: runtimeStore, readOnly: readOnly)
        }
        let sync = try agent(readOnly: false)
        await absorb([route("r1", "2001:db8:1000:10::/64")], into: sync)
        #expect(try await sync.reconcile().report?.failed.count == 2, "the route on br0 and the unreachable route")
        try await sync.markSynced()

        let runtime = try #require(try runtimeStore.read())
        let failure = try #require(runtime.kernelFailures?.first { $0.operation.contains("dev br0") })
        #expect(runtime.kernelFailures?.count == 2)
        #expect(failure.operation.hasPrefix("ip -6 route add 2001:db8:1000:10::/64 dev br0"), "\(failure.operation)")
        #expect(failure.errno == 1)

        let status = try agent(readOnly: true)
        let report = try await status.dryRunStatus(runtime: runtime)
        let route = try #require(report.route(id: "r1"))
        #expect(route.state == .kernelError)
        #expect(report.summary.kernelError == 1 && report.summary.pending == 0)
        let object = try #require(route.objects.first { $0.kind == .route })
        #expect(object.state == .kernelError)
        #expect(object.errno == 1)
        #expect(object.reason == "\(failure.operation): \(failure.message)")
        #expect(object.reason?.contains("refused") == true, "the kernel's message: \(object.reason ?? "")")
        #expect(try report.json().contains(#""errno" : 1"#))
        // The daemon's `STATUS=` report says the same of the route.
        #expect(await sync.statusReport()?.route(id: "r1")?.objects == route.objects)

        let start = ContinuousClock.now
        let outcome = await DaemonApply.untilSettled(routeID: "r1", timeout: .seconds(5)) {
            try await status.dryRunStatus(runtime: runtime)
        }
        guard case .notRouted(let waited) = outcome, waited.state == .kernelError else {
            Issue.record("the wait ends on the kernel error: \(outcome)")
            return
        }
        #expect(ContinuousClock.now - start < .seconds(1))

        // Once the kernel takes the operation, the next reconcile clears the record.
        let fine = try Agent(
            configuration: configuration, client: nil, kernel: kernel, store: StateStore(directory: directory),
            logger: Logger(label: "test"), localAddresses: { .init(ipv6: [], ipv4: []) }, now: { clock.now },
            networkdLinks: directory + "/netif", runtimeStore: runtimeStore)
        kernel.hold(try await fine.reconcile().plan)
        try await fine.markSynced()
        #expect(try runtimeStore.read()?.kernelFailures == [])
    }

    /// The runtime status's dates keep their fraction through `status.json` (the metrics' `…_timestamp_seconds`
    /// are made from them), and one written without a fraction still reads.
    @Test func runtimeStatusDatesKeepTheirFraction() throws {
        let store = RuntimeStatusStore(directory: directory + "/run")
        var status = RuntimeStatus()
        status.lastSync = Date(timeIntervalSince1970: 1_796_066_453.577924)
        status.lastStepEnd = Date(timeIntervalSince1970: 1_796_066_460.25)
        try store.save(status)
        let read = try #require(try store.read())
        let lastSync = try #require(read.lastSync).timeIntervalSince1970
        #expect(abs(lastSync - 1_796_066_453.577924) < 0.001, "\(lastSync)")
        #expect(read.lastStepEnd?.timeIntervalSince1970 == 1_796_066_460.25)

        try Data(#"{"steps": 1, "lastSync": "2026-11-30T19:00:53Z", "refusals": [], "deferrals": [], "counters": {}}"#.utf8)
            .write(to: URL(fileURLWithPath: store.directory + "/status.json"))
        #expect(try store.read()?.lastSync == Date(timeIntervalSince1970: 1_796_065_253))
    }

    /// A `status.json` written before `kernelFailures` existed still reads.
    @Test func anOlderRuntimeStatusWithoutKernelFailuresReads() throws {
        let store = RuntimeStatusStore(directory: directory + "/run")
        try FileManager.default.createDirectory(atPath: store.directory, withIntermediateDirectories: true)
        try Data(#"{"steps": 3, "refusals": [], "deferrals": [], "counters": {}}"#.utf8)
            .write(to: URL(fileURLWithPath: store.directory + "/status.json"))
        let status = try #require(try store.read())
        #expect(status.steps == 3)
        #expect(status.kernelFailures == nil)
    }

    @Test func aDocumentDecodesBackAndEveryKeyIsDocumented() async throws {
        let agent = try makeAgent(bindings: [
            Binding(match: "web", mode: .route, interface: "wg0", forwarding: true), Binding(match: "mail"),
        ])
        await absorb(
            [route("r1", "2001:db8:1000:10::/64", label: "web"), route("r2", "2001:db8:1000:20::/64", label: "x")],
            into: agent)
        var runtime = RuntimeStatus()
        runtime.lastSync = Date(timeIntervalSince1970: 1_800_000_000)
        runtime.refusals = [RouteRefusal(routeID: "r3", prefix: "2001:db8:1000:30::1/64", reason: "has host bits set")]
        let report = try await report(agent, runtime: runtime)
        let text = try report.json()
        let decoded = try StatusReport.decode(json: text)
        #expect(decoded == report)
        #expect(decoded.schemaVersion == StatusReport.currentSchemaVersion)
        #expect(decoded.routes.map(\.state) == [.deferred, .bindingProblem, .refused])
        #expect(decoded.routes[0].objects.map(\.kind) == [.route, .unreachableRoute, .forwarding])

        // Every key the document uses is described in docs/status-json.md as `key`.
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/status-json.md")
        let documentation = try String(contentsOf: docs, encoding: .utf8)
        var keys: Set<String> = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                for (key, inner) in object {
                    keys.insert(key)
                    collect(inner)
                }
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(try JSONSerialization.jsonObject(with: Data(text.utf8)))
        #expect(keys.isSuperset(of: ["schemaVersion", "summary", "routes", "objects", "kind", "state", "reasons"]))
        for key in keys.sorted() {
            #expect(documentation.contains("`\(key)`"), "docs/status-json.md does not describe \(key)")
        }
        for state in StatusReport.RouteState.allCases.map(\.rawValue) + StatusReport.ObjectState.allCases.map(\.rawValue)
            + StatusReport.KernelObject.Kind.allCases.map(\.rawValue)
        {
            #expect(documentation.contains("`\(state)`"), "docs/status-json.md does not describe the value \(state)")
        }
    }

    /// `status` reads: a damaged `state.json` stays where it is (the daemon sets it aside, not `status`).
    @Test func aReadOnlyAgentLeavesADamagedStateFileInPlace() async throws {
        let path = directory + "/state.json"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: path))
        let clock = self.clock
        let agent = try Agent(
            configuration: AgentConfiguration(vpsID: selfID, stateDirectory: directory), client: nil, kernel: kernel,
            store: StateStore(directory: directory), logger: Logger(label: "test"),
            localAddresses: { .init(ipv6: [], ipv4: []) }, now: { clock.now }, networkdLinks: directory + "/netif",
            runtimeStore: RuntimeStatusStore(directory: directory + "/run"), readOnly: true)
        let warning = try #require(await agent.stateWarning)
        #expect(warning.contains("does not decode: invalid data at $: The given data was not valid JSON."), "\(warning)")
        #expect(!warning.contains("DecodingError") && !warning.contains("codingPath"), "readable: \(warning)")
        let report = try await agent.dryRunStatus(runtime: RuntimeStatus())
        // No plan from what is left of the state: it would add or remove what the lost part holds.
        #expect(report.stateUnreadable == warning)
        #expect(report.pendingOperations == [] && !report.inSync)
        let lines = report.lines(now: clock.now)
        #expect(lines.contains("state:      cannot be read: \(warning)"))
        #expect(lines.contains("kernel:     unknown: no plan is made from a state file that cannot be read"))
        #expect(try StatusReport.decode(json: report.json()) == report)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["state.json"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{ not json")
    }

    /// The daemon writes `state.json` only when its state changes; a file another process damaged, replaced or
    /// removed meanwhile is noticed at the next poll (`markSynced`), set aside and written again. A touch is not.
    @Test func aStateFileDamagedWhileTheDaemonRunsIsWrittenAgainAtTheNextPoll() async throws {
        let path = directory + "/state.json"
        let agent = try makeAgent(bindings: [Binding(match: "*", mode: .anyip)])
        await absorb([route("r1", "2001:db8:1000:10::/64", label: "web")], into: agent)
        _ = try await agent.reconcile()
        try await agent.markSynced()
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.contains("\"id\" : \"r1\""))
        let inode = { try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int }

        // A touch (same content): left alone.
        let before = try inode()
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: path)
        try await agent.markSynced()
        #expect(try inode() == before, "a file whose content is the agent's is not rewritten")

        // Cut short by another process.
        try Data(written.utf8.prefix(40)).write(to: URL(fileURLWithPath: path))
        try await agent.markSynced()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == written)
        #expect(try String(contentsOfFile: path + ".bad", encoding: .utf8) == String(written.prefix(40)))

        // Removed.
        try FileManager.default.removeItem(atPath: path)
        await agent.markFailed(CancellationError())
        #expect(try String(contentsOfFile: path, encoding: .utf8) == written)
    }

    /// A `state_dir` that was never synced while the kernel holds the agent's objects (another state_dir did):
    /// `status` does not promise to remove them all, as `sync`, which asks the API, would not.
    @Test func withoutAStateFileTheAgentsObjectsAreNotShownAsToBeRemoved() async throws {
        let daemon = try makeAgent(bindings: [Binding(match: "*", mode: .anyip)])
        await absorb([route("r1", "2001:db8:1000:10::/64", label: "web")], into: daemon)
        kernel.hold(try await daemon.reconcile().plan)
        try FileManager.default.removeItem(atPath: directory + "/state.json")
        let clock = self.clock
        let status = try Agent(
            configuration: AgentConfiguration(vpsID: selfID, stateDirectory: directory, bindings: [Binding(match: "*", mode: .anyip)]),
            client: nil, kernel: kernel, store: StateStore(directory: directory), logger: Logger(label: "test"),
            localAddresses: { .init(ipv6: [], ipv4: []) }, now: { clock.now }, networkdLinks: directory + "/netif",
            readOnly: true)
        let report = try await status.dryRunStatus(runtime: RuntimeStatus())
        #expect(report.pendingOperations == [])
        #expect(report.stateUnreadable?.contains("state.json does not exist: this state_dir has never been synced") == true)
        #expect(!report.inSync)
    }

    @Test func aGarbageRuntimeStatusIsAnErrorNotNeverSynced() throws {
        let store = RuntimeStatusStore(directory: directory + "/run")
        #expect(try store.read() == nil, "nothing written since boot")
        try FileManager.default.createDirectory(atPath: store.directory, withIntermediateDirectories: true)
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: store.directory + "/status.json"))
        #expect(throws: RuntimeStatusStore.Unreadable.self) { try store.read() }
        let report = StatusReport(
            reconciled: Agent.Reconciled(plan: Plan(), report: nil, problems: [], desired: DesiredState()),
            state: PersistedState(), runtime: RuntimeStatus())
        #expect(report.lines(now: clock.now, lastSyncUnknown: true).contains {
            $0 == "last sync:  unknown (the runtime status cannot be read)"
        })
    }

    /// `routes create --wait` after the daemon's step: a deferred route ends the wait at once with its reason; an
    /// applied one says routed.
    @Test func theCreateWaitEndsOnTheRoutesStatus() async throws {
        let agent = try makeAgent(bindings: [Binding(mode: .route, interface: "wg0")])
        await absorb([route("r1", "2001:db8:1000:10::/64")], into: agent)
        kernel.hold(try await agent.reconcile().plan)
        let start = ContinuousClock.now
        let outcome = await DaemonApply.untilSettled(routeID: "r1", timeout: .seconds(5)) {
            try await agent.dryRunStatus(runtime: RuntimeStatus())
        }
        guard case .notRouted(let status) = outcome else {
            Issue.record("a deferred route is not routed: \(outcome)")
            return
        }
        #expect(status.state == .deferred)
        #expect(status.reasons == ["deferred: 2001:db8:1000:10::/64 dev wg0: wg0 not found"])
        #expect(ContinuousClock.now - start < .seconds(1))

        let applied = try makeAgent()
        await absorb([route("r2", "2001:db8:1000:20::/64")], into: applied)
        let pending = await DaemonApply.untilSettled(routeID: "r2", timeout: .milliseconds(500)) {
            try await applied.dryRunStatus(runtime: RuntimeStatus())
        }
        guard case .notRouted(let waiting) = pending, waiting.state == .pending else {
            Issue.record("a route the kernel lacks stays pending until the timeout: \(pending)")
            return
        }
        kernel.hold(try await applied.reconcile().plan)
        let routed = await DaemonApply.untilSettled(routeID: "r2", timeout: .seconds(5)) {
            try await applied.dryRunStatus(runtime: RuntimeStatus())
        }
        guard case .routed(let held) = routed else {
            Issue.record("an applied route is routed: \(routed)")
            return
        }
        #expect(held.objects.allSatisfy { $0.state == .held })
    }
}

/// The test kernel, refusing every route request with `EPERM` (as a kernel does for a route on a link whose IPv6
/// is disabled... or a process without `CAP_NET_ADMIN`).
final class RefusingKernel: NetworkKernel {
    let base: SysctlKernel
    init(_ base: SysctlKernel) { self.base = base }
    func observe() throws -> ObservedState { try base.observe() }
    func perform(_ requests: [RTNetlinkRequest]) throws -> [Result<Void, NetlinkError>] {
        requests.map { request in
            if case .addRoute = request {
                return .failure(
                    NetlinkError(code: .permissionDenied, operation: "RTM_NEWROUTE", errno: .notPermitted, message: "refused"))
            }
            return .success(())
        }
    }
    func sysctl(_ name: IPv6Sysctl.Name, interface: String?) throws -> Int { try base.sysctl(name, interface: interface) }
    func setSysctl(_ name: IPv6Sysctl.Name, _ value: Int, interface: String?) throws {
        try base.setSysctl(name, value, interface: interface)
    }
}
