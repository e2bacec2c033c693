import IPv6Addressing
import Netlink
import Reconciliation
import Testing

@Suite struct PlanExecutorTests {
    @Test func appliesAllRtnetlinkOperationsInOneBatch() {
        let kernel = Fixture.kernel()
        let desired = Fixture.desired([Fixture.r1, Fixture.r2], [Binding(mode: .address, interface: "br0", forwarding: true)])
        let (plan, report) = Fixture.converge(desired, on: kernel)
        #expect(kernel.batches == 1)
        #expect(kernel.requests == plan.operations.compactMap(\.request))
        #expect(report.applied == plan.operations)
        #expect(report.alreadyDone.isEmpty)
        #expect(report.succeeded)
        #expect(
            report.ownership.addresses == [
                OwnedAddress(interface: "br0", address: Fixture.address("2001:db8:1000:10::1"), prefixLength: 64),
                OwnedAddress(interface: "br0", address: Fixture.address("2001:db8:1000:100::1"), prefixLength: 56),
            ])
    }

    @Test func existingObjectsOnAddCountAsDone() {
        let kernel = Fixture.kernel()
        let plan = Fixture.plan(Fixture.desired([Fixture.r1]), on: kernel)
        let first = Fixture.executor(kernel).apply(plan)
        #expect(first.failed.isEmpty)
        // The same plan again: every add answers EEXIST, which means done.
        let second = Fixture.executor(kernel).apply(plan)
        #expect(second.failed.isEmpty)
        #expect(second.alreadyDone == plan.operations.filter { $0.request != nil })
        #expect(
            second.applied.map(\.description) == [
                "sysctl -w net.ipv6.ip_nonlocal_bind=1", "sysctl -w net.ipv6.conf.lo.keep_addr_on_down=1",
            ])
        // An address that was already there is not claimed.
        #expect(second.ownership.addresses.isEmpty)
    }

    @Test func missingObjectsOnRemoveCountAsDone() {
        let kernel = Fixture.kernel()
        let (_, applied) = Fixture.converge(Fixture.desired([Fixture.r1]), on: kernel)
        let removal = Fixture.plan(.empty, on: kernel, owned: applied.ownership)
        #expect(removal.operations.count == 3)
        #expect(Fixture.executor(kernel).apply(removal).applied.count == 3)
        // Removing again: ESRCH for the routes, EADDRNOTAVAIL for the address.
        let again = Fixture.executor(kernel).apply(removal)
        #expect(again.failed.isEmpty)
        #expect(again.alreadyDone == removal.operations)
        #expect(again.ownership.addresses.isEmpty)
    }

    @Test func otherErrorsAreReportedPerOperation() {
        let kernel = Fixture.kernel()
        let plan = Fixture.plan(Fixture.desired([Fixture.r1], [Binding(mode: .address, interface: "br0")]), on: kernel)
        // br0 disappears between the dump and the batch.
        kernel.mutate { $0.links.removeAll { $0.name == "br0" } }
        let report = Fixture.executor(kernel).apply(plan)
        #expect(report.failed.map(\.operation.description) == [
            "ip -6 address add 2001:db8:1000:10::1/64 dev br0 nodad proto hostup"
        ])
        #expect(report.failed.first?.error.code == .noSuchDevice)
        #expect(report.applied.map(\.description) == [
            "sysctl -w net.ipv6.conf.br0.keep_addr_on_down=1",
            "ip -6 route add unreachable 2001:db8:1000:10::/64 proto hostup metric 4294967295",
        ])
        #expect(!report.succeeded)
        #expect(report.ownership.addresses.isEmpty)
    }

    @Test func forwardingIsNotTurnedOnWhenAcceptRAFails() {
        let kernel = Fixture.kernel()
        kernel.failWrites(to: SysctlKey(.acceptRA, interface: "eth0"))
        let desired = Fixture.desired([Fixture.r1], [Binding(mode: .address, interface: "br0", forwarding: true)])
        let (plan, report) = Fixture.converge(desired, on: kernel)
        #expect(report.failed.map(\.operation.description) == [
            "sysctl -w net.ipv6.conf.eth0.accept_ra=2",
            "sysctl -w net.ipv6.conf.all.forwarding=1",
        ])
        #expect(report.failed.map(\.error.code) == [.permissionDenied, .other])
        #expect(kernel.sysctlValue(.forwarding, "all") == 0)
        // The originals saved before the attempt stay until a plan finds them back in place.
        #expect(report.savedSysctls == plan.savedSysctls)
        let after = Fixture.plan(.empty, on: kernel, originals: report.savedSysctls)
        #expect(after.lines.filter { $0.hasPrefix("sysctl") } == [])
        #expect(after.savedSysctls == [])
        // Everything else still applied.
        #expect(kernel.observed.addresses.contains { $0.address == Fixture.address("2001:db8:1000:10::1") })
    }

    @Test func aFailedBatchFailsEveryOperationInIt() {
        struct BrokenSocket: NetworkKernel {
            func observe() throws -> ObservedState { ObservedState(links: Fixture.links) }
            func perform(_ requests: [RTNetlinkRequest]) throws -> [Result<Void, NetlinkError>] {
                throw NetlinkError(code: .permissionDenied, operation: "sendmsg", message: "no CAP_NET_ADMIN")
            }
            func sysctl(_ name: IPv6Sysctl.Name, interface: String?) throws -> Int { 1 }
            func setSysctl(_ name: IPv6Sysctl.Name, _ value: Int, interface: String?) throws {}
        }
        let kernel = BrokenSocket()
        let plan = Planner.plan(
            desired: Fixture.desired([Fixture.r1]), observed: try! kernel.observe(), owned: OwnershipRecord(),
            sysctls: SysctlSnapshot.read(
                from: kernel, desired: Fixture.desired([Fixture.r1]), saved: [], interfaces: Fixture.links.map(\.name)))
        let report = PlanExecutor(kernel: kernel, logger: Fixture.executor(Fixture.kernel()).logger).apply(plan)
        #expect(report.failed.count == 3)
        #expect(report.failed.allSatisfy { $0.error.code == .permissionDenied })
        #expect(report.applied.isEmpty)
    }
}
