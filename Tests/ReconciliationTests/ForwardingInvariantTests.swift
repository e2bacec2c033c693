import IPv6Addressing
import Netlink
import Reconciliation
import Testing

/// The sysctl rules that keep a VPS with an RA default route online: `accept_ra=2` before forwarding, never an
/// `accept_ra` below 2 where forwarding is on, originals saved before the first write and restored exactly.
@Suite struct ForwardingInvariantTests {
    static let forwardingBinding = [Binding(mode: .address, interface: "br0", forwarding: true)]

    /// Applies forwarding on the fixture kernel and returns the originals to persist.
    private func forwardingOn(_ kernel: FakeKernel, uplink: String = "eth0") -> ExecutionReport {
        let desired = Fixture.desired([Fixture.r1], Self.forwardingBinding, uplink: uplink)
        let (_, report) = Fixture.converge(desired, on: kernel)
        #expect(report.failed.isEmpty)
        #expect(kernel.sysctlValue(.forwarding, "all") == 1)
        return report
    }

    /// Every write of the agent that set `accept_ra` below 2 on an interface that was forwarding at that moment.
    private func acceptRAWritesBelow2(_ kernel: FakeKernel) -> [String] {
        kernel.sysctlWrites.filter { $0.contains(".accept_ra=0") || $0.contains(".accept_ra=1") }
    }

    @Test(arguments: [nil, "eth0"] as [String?])
    func anUplinkWithoutDefaultRouteKeepsAcceptRA2(uplink: String?) {
        // The router restarts: its last RA has lifetime 0 and the default route goes. The uplink is unknown (nil)
        // or remembered (eth0); either way forwarding stays and accept_ra stays 2.
        let kernel = Fixture.kernel()
        let report = forwardingOn(kernel)
        kernel.mutate { $0.routes.removeAll { $0.destination.length == 0 } }
        let desired = Fixture.desired([Fixture.r1], Self.forwardingBinding, uplink: uplink)
        let plan = Fixture.plan(desired, on: kernel, owned: report.ownership, originals: report.savedSysctls)
        #expect(plan.operations == [])
        #expect(plan.savedSysctls == report.savedSysctls)
        #expect(kernel.sysctlValue(.acceptRA, "eth0") == 2)
    }

    @Test func aNewUplinkGetsAcceptRA2AndTheOldOneKeepsIt() {
        let kernel = Fixture.kernel()
        let report = forwardingOn(kernel)
        let moved = Fixture.desired([Fixture.r1], Self.forwardingBinding, uplink: "veth1")
        let plan = Fixture.plan(moved, on: kernel, owned: report.ownership, originals: report.savedSysctls)
        #expect(plan.lines == ["sysctl -w net.ipv6.conf.veth1.accept_ra=2"])
        let second = Fixture.executor(kernel).apply(plan)
        #expect(kernel.sysctlValue(.acceptRA, "eth0") == 2)
        #expect(kernel.sysctlValue(.acceptRA, "veth1") == 2)
        #expect(second.savedSysctls.contains(SavedSysctl(.acceptRA, interface: "eth0", value: 1)))
        #expect(second.savedSysctls.contains(SavedSysctl(.acceptRA, interface: "veth1", value: 1)))
        #expect(acceptRAWritesBelow2(kernel) == [])

        // Once forwarding is no longer needed, both uplinks get their originals back, after forwarding is off.
        let restore = Fixture.plan(.empty, on: kernel, owned: second.ownership, originals: second.savedSysctls)
        #expect(
            restore.lines.filter { $0.hasPrefix("sysctl") } == [
                "sysctl -w net.ipv6.conf.all.forwarding=0", "sysctl -w net.ipv6.conf.eth0.accept_ra=1",
                "sysctl -w net.ipv6.conf.veth1.accept_ra=1",
            ])
        _ = Fixture.executor(kernel).apply(restore)
        #expect(kernel.sysctlValue(.acceptRA, "eth0") == 1)
        #expect(kernel.sysctlValue(.acceptRA, "veth1") == 1)
    }

    @Test func anotherInterfacesForwardingIsRestoredExactly() {
        // wg0 (here veth1) forwards before the agent; writing all.forwarding copies into it and into default.
        let kernel = Fixture.kernel()
        kernel.setByAdmin(.forwarding, "veth1", 1)
        let report = forwardingOn(kernel)
        #expect(report.savedSysctls.contains(SavedSysctl(.forwarding, interface: "veth1", value: 1)))
        #expect(report.savedSysctls.contains(SavedSysctl(.forwarding, interface: "default", value: 0)))

        let plan = Fixture.plan(.empty, on: kernel, owned: report.ownership, originals: report.savedSysctls)
        #expect(
            plan.lines.filter { $0.hasPrefix("sysctl") } == [
                "sysctl -w net.ipv6.conf.all.forwarding=0",
                "sysctl -w net.ipv6.conf.veth1.forwarding=1",
                "sysctl -w net.ipv6.conf.eth0.accept_ra=1",
            ])
        let restored = Fixture.executor(kernel).apply(plan)
        #expect(restored.failed.isEmpty)
        #expect(restored.savedSysctls == [])
        #expect(kernel.sysctlValue(.forwarding, "all") == 0)
        #expect(kernel.sysctlValue(.forwarding, "default") == 0)
        #expect(kernel.sysctlValue(.forwarding, "veth1") == 1)
        #expect(kernel.sysctlValue(.forwarding, "br0") == 0)
        #expect(kernel.sysctlValue(.acceptRA, "eth0") == 1)
        #expect(Fixture.plan(.empty, on: kernel, owned: restored.ownership, originals: restored.savedSysctls).lines == [])
    }

    @Test func acceptRAStays2WhereTheRestoredForwardingIsStill1() {
        // The uplink itself forwarded before the agent (a router VPS): after the restore it still does, so
        // accept_ra=1 would make the kernel ignore its router advertisements.
        let kernel = Fixture.kernel()
        kernel.setByAdmin(.forwarding, "eth0", 1)
        let report = forwardingOn(kernel)
        let plan = Fixture.plan(.empty, on: kernel, owned: report.ownership, originals: report.savedSysctls)
        #expect(!plan.lines.contains("sysctl -w net.ipv6.conf.eth0.accept_ra=1"))
        #expect(plan.notices.count == 1)
        #expect(plan.notices.first?.contains("net.ipv6.conf.eth0.accept_ra stays 2") == true)
        let restored = Fixture.executor(kernel).apply(plan)
        #expect(kernel.sysctlValue(.forwarding, "eth0") == 1)
        #expect(kernel.sysctlValue(.acceptRA, "eth0") == 2)
        #expect(restored.savedSysctls == [])
        #expect(acceptRAWritesBelow2(kernel) == [])
    }

    @Test func forwardingSetByTheAdminIsLeftOnAndAcceptRAStays2() {
        let kernel = Fixture.kernel()
        kernel.setByAdmin(.forwarding, "all", 1)
        let desired = Fixture.desired([Fixture.r1], Self.forwardingBinding)
        let (plan, report) = Fixture.converge(desired, on: kernel)
        #expect(plan.lines.filter { $0.hasPrefix("sysctl") && $0.contains("forwarding") } == [])
        #expect(report.savedSysctls == [SavedSysctl(.acceptRA, interface: "eth0", value: 1)])
        let restore = Fixture.plan(.empty, on: kernel, owned: report.ownership, originals: report.savedSysctls)
        #expect(restore.lines.filter { $0.hasPrefix("sysctl") } == [])
        _ = Fixture.executor(kernel).apply(restore)
        #expect(kernel.sysctlValue(.forwarding, "all") == 1)
        #expect(kernel.sysctlValue(.acceptRA, "eth0") == 2)
        #expect(acceptRAWritesBelow2(kernel) == [])
    }

    @Test func theExecutorKeepsAcceptRA2WhenForwardingCameBackAfterPlanning() {
        let kernel = Fixture.kernel()
        let report = forwardingOn(kernel)
        let plan = Fixture.plan(.empty, on: kernel, owned: report.ownership, originals: report.savedSysctls)
        #expect(plan.lines.contains("sysctl -w net.ipv6.conf.eth0.accept_ra=1"))
        // Planned with forwarding about to go off; meanwhile a write to all.forwarding (the plan's own) is undone
        // by another process: the guard reads the kernel right before the accept_ra write.
        kernel.failWrites(to: SysctlKey(.forwarding, interface: "all"))
        let result = Fixture.executor(kernel).apply(plan)
        #expect(kernel.sysctlValue(.acceptRA, "eth0") == 2)
        #expect(acceptRAWritesBelow2(kernel) == [])
        #expect(result.failed.map(\.operation.description).contains("sysctl -w net.ipv6.conf.eth0.accept_ra=1"))
        #expect(result.savedSysctls.contains(SavedSysctl(.acceptRA, interface: "eth0", value: 1)))
        #expect(result.savedSysctls.contains(SavedSysctl(.forwarding, interface: "all", value: 0)))
    }

    @Test func anyipTurnsOnNonlocalBindAndRestoresIt() {
        let kernel = Fixture.kernel()
        let (plan, report) = Fixture.converge(Fixture.desired([Fixture.r1]), on: kernel)
        #expect(plan.lines.first == "sysctl -w net.ipv6.ip_nonlocal_bind=1")
        #expect(report.savedSysctls == [SavedSysctl(.nonlocalBind, interface: nil, value: 0)])
        #expect(kernel.sysctlValue(.nonlocalBind, nil) == 1)
        // An address binding needs none.
        let address = Fixture.desired([Fixture.r1], [Binding(mode: .address, interface: "br0")])
        let restore = Fixture.plan(address, on: kernel, owned: report.ownership, originals: report.savedSysctls)
        #expect(restore.lines.last == "sysctl -w net.ipv6.ip_nonlocal_bind=0")
        let after = Fixture.executor(kernel).apply(restore)
        #expect(kernel.sysctlValue(.nonlocalBind, nil) == 0)
        #expect(after.savedSysctls == [])
    }

    @Test func nonlocalBindCanBeTurnedOff() {
        let kernel = Fixture.kernel()
        let plan = Fixture.plan(Fixture.desired([Fixture.r1], nonlocalBind: false), on: kernel)
        #expect(!plan.lines.contains { $0.contains("ip_nonlocal_bind") })
    }

    @Test func aNetworkdManagedUplinkKeepsItsAcceptRAAndIsReported() {
        let kernel = Fixture.kernel()
        kernel.setByAdmin(.acceptRA, "eth0", 0)
        let desired = Fixture.desired([Fixture.r1], Self.forwardingBinding)
        let plan = Fixture.plan(desired, on: kernel, networkdManaged: ["eth0"])
        #expect(!plan.lines.contains { $0.contains("accept_ra") && $0.hasPrefix("sysctl") })
        #expect(plan.lines.contains("sysctl -w net.ipv6.conf.all.forwarding=1"))
        #expect(plan.notices.first?.contains("eth0 is managed by systemd-networkd") == true)
    }

    @Test func originalsAreNeverReplacedByLaterValues() {
        // Another tool turns forwarding off while the agent holds it on: the agent turns it on again, and the
        // saved originals stay those from before its first write.
        let kernel = Fixture.kernel()
        let report = forwardingOn(kernel)
        kernel.setByAdmin(.forwarding, "all", 0)
        let desired = Fixture.desired([Fixture.r1], Self.forwardingBinding)
        let plan = Fixture.plan(desired, on: kernel, owned: report.ownership, originals: report.savedSysctls)
        #expect(plan.lines == ["sysctl -w net.ipv6.conf.all.forwarding=1"])
        #expect(plan.savedSysctls == report.savedSysctls)
    }

    @Test func originalsOfVanishedInterfacesAreForgotten() {
        let kernel = Fixture.kernel()
        let report = forwardingOn(kernel)
        kernel.mutate { $0.links.removeAll { $0.name == "veth1" } }
        kernel.setByAdmin(.forwarding, "veth1", 0)
        let gone = FakeKernel(
            links: kernel.observed.links, addresses: kernel.observed.addresses, routes: kernel.observed.routes,
            sysctls: Fixture.sysctls.filter { $0.key.interface != "veth1" }.merging(
                [SysctlKey(.forwarding, interface: "all"): 1, SysctlKey(.acceptRA, interface: "eth0"): 2],
                uniquingKeysWith: { _, new in new }))
        let plan = Fixture.plan(.empty, on: gone, owned: report.ownership, originals: report.savedSysctls)
        #expect(!plan.savedSysctls.contains { $0.interface == "veth1" })
        #expect(!plan.lines.contains { $0.contains("veth1") })
    }

    @Test func anInterfaceCreatedWhileForwardingGetsTheValueItWouldHaveBeenBornWith() {
        // default.forwarding was 1 before the agent: interfaces are born forwarding. One created while the agent
        // held all.forwarding=1 has no saved original; after the restore it must still forward.
        let kernel = Fixture.kernel()
        kernel.setByAdmin(.forwarding, "default", 1)
        let report = forwardingOn(kernel)
        kernel.mutate { $0.links.append(Link(ifindex: 9, name: "wg1", isUp: true, isLowerUp: true)) }
        kernel.setByAdmin(.forwarding, "wg1", 1)
        let plan = Fixture.plan(.empty, on: kernel, owned: report.ownership, originals: report.savedSysctls)
        #expect(plan.lines.contains("sysctl -w net.ipv6.conf.wg1.forwarding=1"))
        let restored = Fixture.executor(kernel).apply(plan)
        #expect(restored.failed.isEmpty)
        #expect(kernel.sysctlValue(.forwarding, "all") == 0)
        #expect(kernel.sysctlValue(.forwarding, "default") == 1)
        #expect(kernel.sysctlValue(.forwarding, "wg1") == 1)
        #expect(kernel.sysctlValue(.forwarding, "eth0") == 0)
        #expect(kernel.sysctlValue(.acceptRA, "eth0") == 1)
    }

    @Test func noForwardingDeferralWhenForwardingIsAlreadyOn() {
        let kernel = Fixture.kernel()
        let report = forwardingOn(kernel)
        let desired = Fixture.desired([Fixture.r1], Self.forwardingBinding, uplink: "nosuch0")
        let plan = Fixture.plan(desired, on: kernel, owned: report.ownership, originals: report.savedSysctls)
        #expect(plan.deferred.isEmpty)
        #expect(plan.operations.isEmpty)
    }
}
