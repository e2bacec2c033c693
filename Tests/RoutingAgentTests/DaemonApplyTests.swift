import IPv6Addressing
import Netlink
import Synchronization
import Testing

@testable import RoutingAgent

@Suite struct DaemonApplyTests {
    static let prefix = try! IPv6Prefix("2001:db8:1000:10::/64")
    static let refusal = RouteRefusal(routeID: "r1", prefix: "2001:db8:1000:10::1/64", reason: "has host bits set")
    static let transport = RuntimeStatus.Failure(.apiTransport, "connection refused")
    static let kernel = RuntimeStatus.Failure(.kernel, "kernel: RTM_NEWROUTE: EPERM")

    static func status(refusals: [RouteRefusal] = [], lastError: RuntimeStatus.Failure? = nil) -> RuntimeStatus {
        var status = RuntimeStatus()
        status.refusals = refusals
        status.lastError = lastError
        return status
    }

    static func state(_ ids: String...) -> PersistedState {
        var state = PersistedState()
        state.routes = ids.map { AppliedRoute(id: $0, prefix: prefix, label: nil) }
        return state
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var daemon: DaemonSync.Outcome
        var state: PersistedState?
        var verdict: DaemonApply.Verdict
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "synced, route taken in", daemon: .synced(status()), state: state("r1"), verdict: .accepted),
        Case(
            name: "synced, the answer does not list it yet", daemon: .synced(status()), state: state(),
            verdict: .accepted),
        Case(
            name: "refused by the validator", daemon: .synced(status(refusals: [refusal])), state: state(),
            verdict: .refused(refusal)),
        Case(
            name: "another route's refusal", daemon: .synced(status(refusals: [RouteRefusal(routeID: "r12", prefix: "x", reason: "y")])),
            state: state("r1"), verdict: .accepted),
        Case(
            name: "the fetch failed before the route was known", daemon: .failed(status(lastError: transport), transport),
            state: state(), verdict: .notApplied(transport)),
        Case(
            name: "the state file cannot be read after a failed step", daemon: .failed(status(lastError: transport), transport),
            state: nil, verdict: .notApplied(transport)),
        Case(
            name: "the fetch failed but the route is held from before",
            daemon: .failed(status(lastError: transport), transport), state: state("r1"), verdict: .accepted),
        Case(
            name: "synced, a kernel error, the route not taken in", daemon: .synced(status(lastError: kernel)),
            state: state("r2"), verdict: .notApplied(kernel)),
        Case(
            name: "synced, a kernel error on another object", daemon: .synced(status(lastError: kernel)),
            state: state("r1", "r2"), verdict: .accepted),
    ]

    @Test(arguments: cases)
    func verdict(_ test: Case) {
        #expect(DaemonApply.verdict(routeID: "r1", daemon: test.daemon, state: test.state) == test.verdict)
    }

    @Test func presenceWithoutALockIsNotRunning() {
        guard case .notRunning = DaemonApply.presence(stateDirectory: temporaryDirectory()) else {
            Issue.record("a directory without a lock has no daemon")
            return
        }
    }
}
