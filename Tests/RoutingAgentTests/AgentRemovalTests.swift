#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HostUpAPI
import IPv6Addressing
import Logging
import Netlink
import Reconciliation
import Synchronization
import Testing

@testable import RoutingAgent

/// A kernel for tests that never reach it: every call fails.
struct UnreachableKernel: NetworkKernel {
    struct Unused: Error {}
    func observe() throws -> ObservedState { throw Unused() }
    func perform(_ requests: [RTNetlinkRequest]) throws -> [Result<Void, NetlinkError>] { throw Unused() }
    func sysctl(_ name: IPv6Sysctl.Name, interface: String?) throws -> Int { throw Unused() }
    func setSysctl(_ name: IPv6Sysctl.Name, _ value: Int, interface: String?) throws { throw Unused() }
}

/// A settable clock.
final class TestClock: Sendable {
    private let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { time.withLock { $0 } }
    func advance(seconds: Double) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// This test process's scratch directory: each test's ``temporaryDirectory()`` is inside, and it goes when the
/// process exits (the suites are structs, with no deinit to clean up after each test).
let testScratchRoot = "/tmp/hostup-routed-tests-\(getpid())"

private let removeScratchRootAtExit: Void = {
    atexit { try? FileManager.default.removeItem(atPath: testScratchRoot) }
}()

/// A fresh path under ``testScratchRoot`` (not created).
func temporaryDirectory() -> String {
    _ = removeScratchRootAtExit
    return "\(testScratchRoot)/\(UInt64.random(in: 0...UInt64.max))"
}

@Suite struct AgentRemovalTests {
    let clock = TestClock()
    let directory = temporaryDirectory()

    func makeAgent() throws -> Agent {
        let clock = self.clock
        return try Agent(
            configuration: AgentConfiguration(vpsID: selfID, stateDirectory: directory), client: nil,
            kernel: UnreachableKernel(), store: StateStore(directory: directory), logger: Logger(label: "test"),
            localAddresses: { .init(ipv6: [], ipv4: []) }, now: { clock.now })
    }

    func answer(_ routes: [HostUpAPI.Route]) -> Agent.Answer {
        let doc = document(routes)
        let validator = RouteValidator(vpsID: selfID, uplinkPrefixes: [])
        return Agent.Answer(vpsID: selfID, outcome: validator.validate(doc), document: doc)
    }

    @Test func removalNeedsASecondAnswerAtLeastTwoSecondsLater() async throws {
        let agent = try makeAgent()
        let r1 = route("r1", "2001:db8:1000:10::/64")
        let r2 = route("r2", "2001:db8:1000:20::/64")
        #expect(await agent.absorb(answer([r1, r2])) == 0)
        #expect(await agent.state.routes.map(\.id) == ["r1", "r2"])

        clock.advance(seconds: 30)
        #expect(await agent.absorb(answer([r1])) == 1, "the first answer without r2 only marks it")
        #expect(await agent.state.routes.map(\.id) == ["r1", "r2"])
        let due = try #require(await agent.confirmationDue())
        #expect(due == clock.now.addingTimeInterval(2))

        clock.advance(seconds: 1)
        #expect(await agent.absorb(answer([r1])) == 1, "one second later is too soon to confirm")
        #expect(await agent.state.routes.map(\.id) == ["r1", "r2"])

        clock.advance(seconds: 1.5)
        #expect(await agent.absorb(answer([r1])) == 0)
        #expect(await agent.state.routes.map(\.id) == ["r1"])
        #expect(await agent.confirmationDue() == nil)
    }

    @Test func aRouteThatComesBackIsNoLongerPending() async throws {
        let agent = try makeAgent()
        let r1 = route("r1", "2001:db8:1000:10::/64")
        await agent.absorb(answer([r1]))
        await agent.absorb(answer([]))
        #expect(await agent.state.routes.first?.missingSince != nil)
        clock.advance(seconds: 5)
        await agent.absorb(answer([r1]))
        #expect(await agent.state.routes.first?.missingSince == nil)
        clock.advance(seconds: 5)
        await agent.absorb(answer([]))
        #expect(await agent.state.routes.map(\.id) == ["r1"], "a fresh absence starts a fresh confirmation")
    }

    @Test func aRefusedRouteKeepsItsLastGoodForm() async throws {
        let agent = try makeAgent()
        await agent.absorb(answer([route("r1", "2001:db8:1000:10::/64")]))
        for _ in 0..<3 {
            clock.advance(seconds: 10)
            await agent.absorb(answer([route("r1", "2001:db8:1000:10::1/64")]))
        }
        let routes = await agent.state.routes
        #expect(routes.map(\.id) == ["r1"])
        #expect(routes.first?.prefix == (try IPv6Prefix("2001:db8:1000:10::/64")))
        #expect(routes.first?.missingSince == nil)
        #expect(await agent.runtime.refusals.map(\.routeID) == ["r1"])
    }

    /// An answer whose first pool also holds routes that did not decode.
    func answer(_ routes: [HostUpAPI.Route], undecoded: [UndecodedRoute]) -> Agent.Answer {
        var doc = document(routes)
        doc.pools[0].undecodedRoutes = undecoded
        let validator = RouteValidator(vpsID: selfID, uplinkPrefixes: [])
        return Agent.Answer(vpsID: selfID, outcome: validator.validate(doc), document: doc)
    }

    @Test func anOddRouteOfAnotherVPSDoesNotStopOurs() async throws {
        let agent = try makeAgent()
        let odd = UndecodedRoute(poolID: "ripv6_1", index: 0, id: "r_other", vpsId: nil, reason: "vpsId: expected a string")
        await agent.absorb(answer([route("r1", "2001:db8:1000:10::/64")], undecoded: [odd]))
        #expect(await agent.state.routes.map(\.id) == ["r1"])
    }

    @Test(arguments: [
        UndecodedRoute(poolID: "ripv6_1", index: 1, id: "r2", vpsId: nil, reason: "vpsId: expected a string"),
        UndecodedRoute(poolID: "ripv6_1", index: 1, id: "r2", vpsId: selfID, reason: "prefixLength: expected an integer"),
        UndecodedRoute(poolID: "ripv6_1", index: 1, id: nil, vpsId: selfID, reason: "id: expected a string"),
        UndecodedRoute(poolID: nil, index: nil, id: nil, vpsId: nil, reason: "its pool does not decode"),
    ])
    func ourRouteThatNoLongerDecodesIsKeptAsItIs(odd: UndecodedRoute) async throws {
        let agent = try makeAgent()
        let r1 = route("r1", "2001:db8:1000:10::/64")
        await agent.absorb(answer([r1, route("r2", "2001:db8:1000:20::/64", label: "mail")]))
        for _ in 0..<3 {
            clock.advance(seconds: 10)
            #expect(await agent.absorb(answer([r1], undecoded: [odd])) == 0)
        }
        let routes = await agent.state.routes
        #expect(routes.map(\.id) == ["r1", "r2"])
        #expect(routes.last?.label == "mail")
        #expect(routes.allSatisfy { $0.missingSince == nil })
    }

    @Test func anOddRouteThatCannotBeOursDoesNotHoldARemoval() async throws {
        let agent = try makeAgent()
        let r1 = route("r1", "2001:db8:1000:10::/64")
        await agent.absorb(answer([r1, route("r2", "2001:db8:1000:20::/64")]))
        let odd = UndecodedRoute(poolID: "ripv6_1", index: 1, id: "r9", vpsId: "vps_other", reason: "prefix: expected a string")
        clock.advance(seconds: 10)
        #expect(await agent.absorb(answer([r1], undecoded: [odd])) == 1)
        clock.advance(seconds: 10)
        #expect(await agent.absorb(answer([r1], undecoded: [odd])) == 0)
        #expect(await agent.state.routes.map(\.id) == ["r1"])
    }

    @Test func stateSurvivesARestart() async throws {
        let agent = try makeAgent()
        await agent.absorb(answer([route("r1", "2001:db8:1000:10::/64", label: "web")]))
        try await agent.markSynced()
        #expect(await agent.runtime.lastSync == clock.now)
        let restarted = try makeAgent()
        let routes = await restarted.state.routes
        #expect(routes == [AppliedRoute(id: "r1", prefix: try IPv6Prefix("2001:db8:1000:10::/64"), label: "web")])
    }

    @Test func theStateFileIsWrittenOnlyWhenItChanges() async throws {
        let agent = try makeAgent()
        await agent.absorb(answer([route("r1", "2001:db8:1000:10::/64")]))
        try await agent.markSynced()
        let store = StateStore(directory: directory)
        let written = try #require(store.identity())
        clock.advance(seconds: 30)
        await agent.absorb(answer([route("r1", "2001:db8:1000:10::/64")]))
        try await agent.markSynced()
        #expect(store.identity() == written, "an unchanged state must not be written again (same inode and mtime)")
        #expect(await agent.runtime.steps == 2)
        await agent.absorb(answer([route("r1", "2001:db8:1000:10::/64"), route("r2", "2001:db8:1000:20::/64")]))
        try await agent.markSynced()
        #expect(store.identity() != written, "a changed state is written")
    }

    @Test func theRuntimeStatusKeepsTheLastErrorAsACode() async throws {
        let clock = self.clock
        let runtime = RuntimeStatusStore(directory: directory + "/run")
        let agent = try Agent(
            configuration: AgentConfiguration(vpsID: selfID, stateDirectory: directory), client: nil,
            kernel: UnreachableKernel(), store: StateStore(directory: directory), logger: Logger(label: "test"),
            localAddresses: { .init(ipv6: [], ipv4: []) }, now: { clock.now }, runtimeStore: runtime)
        await agent.markFailed(HostUpAPIError(code: .transport, message: "connection refused"))
        #expect(runtime.load()?.lastError?.kind == .apiTransport)
        #expect(runtime.load()?.steps == 1)
        await agent.markFailed(HostUpAPIError(code: .rateLimited, message: "429", status: 429))
        #expect(runtime.load()?.lastError?.kind == .apiStatus)
        await agent.markWaitingForToken()
        #expect(runtime.load()?.lastError?.kind == .noToken)
        // Why no token can be used reaches `status` and `STATUS=`: a token file others may read names its fix.
        let why = ConfigurationError(
            key: "token", message: "no usable API token: /etc/hostup-routed/token has mode 0644; run chmod 600 /etc/hostup-routed/token")
        await agent.markWaitingForToken(why)
        #expect(runtime.load()?.lastError?.message == "waiting for API token: \(why)")
        #expect(await agent.statusLine(.waitingForToken).contains("chmod 600 /etc/hostup-routed/token"))
        await agent.absorb(answer([route("r9", "2001:db8:1000:90::1/64")]))
        try await agent.markSynced()
        let status = try #require(runtime.load())
        #expect(status.lastError == nil)
        #expect(status.refusals.map(\.routeID) == ["r9"], "each refusal keeps its route id")
        #expect(status.lastSync == clock.now)
        #expect(status.steps == 5)
        // A restarted daemon goes on counting, so that `sync` waiting for the count to grow is not fooled.
        let restarted = try Agent(
            configuration: AgentConfiguration(vpsID: selfID, stateDirectory: directory), client: nil,
            kernel: UnreachableKernel(), store: StateStore(directory: directory), logger: Logger(label: "test"),
            runtimeStore: runtime)
        #expect(await restarted.runtime.steps == 5)
    }

    @Test func aCorruptStateFileIsSetAsideNotFatal() async throws {
        try FileIO.makeDirectory(directory)
        try FileIO.writeAtomically(Array("{\"version\": 1, \"routes\": 7}".utf8), to: directory + "/state.json")
        let agent = try makeAgent()
        #expect(await agent.state.routes.isEmpty)
        #expect(await agent.state.recovery == PersistedState.Recovery(since: clock.now))
        #expect(try FileIO.readText(directory + "/state.json.bad").contains("\"routes\": 7"))
        #expect(throws: FileIO.Error.self) { try FileIO.read(directory + "/state.json") }
    }

    /// A newer version's file, or a damaged one: what still reads is kept (the originals above all), and nothing is
    /// removed until two valid answers confirm what is routed here.
    @Test func whatStillReadsOfAnUnreadableStateFileIsKept() async throws {
        try FileIO.makeDirectory(directory)
        let text = """
            {"version": 2, "vpsID": "\(selfID)", "uplink": "eth0", "lastSync": "not a date",
             "routes": [{"id": "r1", "prefix": "2001:db8:1000:10::/64"}, {"id": 5}, {"id": "r2", "prefix": "zz"}],
             "savedSysctls": [{"name": "forwarding", "interface": "all", "value": 0}, {"name": 1},
                              {"name": "ip_nonlocal_bind", "value": 0}],
             "ownership": {"addresses": [{"interface": "lo", "address": "2001:db8:1000:10::1", "prefixLength": 128}]}}
            """
        try FileIO.writeAtomically(Array(text.utf8), to: directory + "/state.json")
        let agent = try makeAgent()
        let state = await agent.state
        #expect(state.routes.map(\.id) == ["r1"])
        #expect(state.savedSysctls == [
            SavedSysctl(.forwarding, interface: "all", value: 0), SavedSysctl(.nonlocalBind, interface: nil, value: 0),
        ])
        #expect(state.ownership.addresses.count == 1)
        #expect(state.uplink == "eth0")
        #expect(state.vpsID == selfID)
        #expect(state.recovery != nil)

        // One valid answer is not enough; a second one at least 2 s later ends the recovery.
        await agent.absorb(answer([route("r1", "2001:db8:1000:10::/64")]))
        #expect(await agent.state.recovery != nil)
        clock.advance(seconds: 1)
        await agent.absorb(answer([route("r1", "2001:db8:1000:10::/64")]))
        #expect(await agent.state.recovery != nil)
        clock.advance(seconds: 1.5)
        await agent.absorb(answer([route("r1", "2001:db8:1000:10::/64")]))
        #expect(await agent.state.recovery == nil)
    }

    /// A file cut short is not JSON, but the keys whose values are whole before the cut still read.
    @Test func aStateFileCutShortKeepsWhatIsWhole() throws {
        var state = PersistedState()
        state.routes = [AppliedRoute(id: "r1", prefix: try IPv6Prefix("2001:db8:1000:10::/64"), label: "a, \"b\" [c]")]
        state.savedSysctls = [SavedSysctl(.nonlocalBind, interface: nil, value: 0)]
        state.uplink = "eth0"
        state.vpsID = selfID
        try StateStore(directory: directory).save(state)
        let whole = try FileIO.read(directory + "/state.json")
        for cut in [3, 10, 30] {
            let salvaged = PersistedState.salvage(Array(whole.dropLast(cut)))
            #expect(salvaged.savedSysctls == state.savedSysctls, "cut \(cut)")
            #expect(salvaged.routes == state.routes, "cut \(cut)")
            #expect(salvaged.uplink == "eth0", "cut \(cut)")
        }
        #expect(PersistedState.salvage(Array(whole.prefix(20))) == PersistedState())
        #expect(PersistedState.salvage(Array("garbage".utf8)) == PersistedState())
    }

    @Test func whileRecoveringNothingIsRemovedOrRestored() throws {
        let lo = try IPv6Address("2001:db8:1000:10::1")
        let route = Netlink.Route(destination: try IPv6Prefix("2001:db8:1000:10::/64"), type: .local, table: .local, routeProtocol: .hostup, outputInterface: 1)
        let address = InterfaceAddress(ifindex: 1, address: lo, prefixLength: 128, addressProtocol: .hostup)
        let saved = [SavedSysctl(.forwarding, interface: "all", value: 0), SavedSysctl(.acceptRA, interface: "eth0", value: 1)]
        let plan = Plan(
            operations: [
                .setSysctl(.acceptRA, interface: "eth1", value: 2),
                .addAddress(address, interface: "lo"),
                .removeRoute(route, interface: "lo"),
                .removeAddress(address, interface: "lo"),
                .setSysctl(.forwarding, interface: "all", value: 0),
                .setSysctl(.acceptRA, interface: "eth0", value: 1),
            ],
            savedSysctls: [SavedSysctl(.acceptRA, interface: "eth1", value: 1)])
        let kept = Agent.withoutRemovals(plan, saved: saved)
        #expect(kept.operations.map(\.description) == [
            "sysctl -w net.ipv6.conf.eth1.accept_ra=2",
            "ip -6 address add 2001:db8:1000:10::1/128 dev lo proto hostup",
        ])
        #expect(Set(kept.savedSysctls) == Set(saved + [SavedSysctl(.acceptRA, interface: "eth1", value: 1)]))
    }
}
