import IPv6Addressing
import Logging
import Netlink
import Reconciliation

/// Fixture network (RFC 3849 addresses): lo, an uplink eth0, a bridge br0 and a veth1.
enum Fixture {
    static let lo = Link(ifindex: 1, name: "lo", isUp: true, isLowerUp: true, isLoopback: true)
    static let eth0 = Link(ifindex: 2, name: "eth0", isUp: true, isLowerUp: true)
    static let br0 = Link(ifindex: 3, name: "br0", isUp: true, isLowerUp: true, kind: "bridge")
    static let veth1 = Link(ifindex: 4, name: "veth1", isUp: true, isLowerUp: true, kind: "veth")
    static let links = [lo, eth0, br0, veth1]

    static let r1 = RoutedPrefix(id: "r1", prefix: prefix("2001:db8:1000:10::/64"), label: "web")
    static let r2 = RoutedPrefix(id: "r2", prefix: prefix("2001:db8:1000:100::/56"))

    /// Linux defaults: forwarding off, RAs accepted on the uplink, addresses dropped on link down, no non-local
    /// bind.
    static let sysctls: [SysctlKey: Int] = [
        SysctlKey(.forwarding, interface: "all"): 0,
        SysctlKey(.forwarding, interface: "default"): 0,
        SysctlKey(.forwarding, interface: "lo"): 0,
        SysctlKey(.forwarding, interface: "eth0"): 0,
        SysctlKey(.forwarding, interface: "br0"): 0,
        SysctlKey(.forwarding, interface: "veth1"): 0,
        SysctlKey(.acceptRA, interface: "eth0"): 1,
        SysctlKey(.acceptRA, interface: "veth1"): 1,
        SysctlKey(.nonlocalBind, interface: nil): 0,
        SysctlKey(.keepAddressOnDown, interface: "lo"): 0,
        SysctlKey(.keepAddressOnDown, interface: "eth0"): 0,
        SysctlKey(.keepAddressOnDown, interface: "br0"): 0,
        SysctlKey(.keepAddressOnDown, interface: "veth1"): 0,
    ]

    /// What a fresh VPS has: link-local addresses from the kernel, a SLAAC address and the RA default route.
    static func kernel() -> FakeKernel {
        FakeKernel(
            links: links,
            addresses: [
                InterfaceAddress(
                    ifindex: 1, address: .loopback, prefixLength: 128, flags: [.permanent], scope: .host,
                    addressProtocol: .kernelLoopback),
                InterfaceAddress(
                    ifindex: 2, address: address("fe80::1"), prefixLength: 64, flags: [.permanent], scope: .link,
                    addressProtocol: .kernelLinkLocal),
                InterfaceAddress(
                    ifindex: 2, address: address("2001:db8:ffff::2"), prefixLength: 64,
                    addressProtocol: .kernelRouterAdvertisement),
            ],
            routes: [
                Route(destination: prefix("::/0"), routeProtocol: .ra, outputInterface: 2, gateway: address("fe80::ff"), metric: 1024),
                Route(destination: prefix("2001:db8:ffff::/64"), routeProtocol: .ra, outputInterface: 2, metric: 256),
            ],
            sysctls: sysctls)
    }

    static func address(_ text: String) -> IPv6Address {
        try! IPv6Address(text)
    }

    static func prefix(_ text: String) -> IPv6Prefix {
        try! IPv6Prefix(text)
    }

    static func desired(
        _ routes: [RoutedPrefix], _ bindings: [Binding] = [], uplink: String? = "eth0", nonlocalBind: Bool = true
    ) -> DesiredState {
        DesiredStateBuilder.build(routes: routes, bindings: bindings, uplink: uplink, nonlocalBind: nonlocalBind).0
    }

    static func plan(
        _ desired: DesiredState,
        on kernel: FakeKernel,
        owned: OwnershipRecord = OwnershipRecord(),
        originals: [SavedSysctl] = [],
        networkdManaged: Set<String> = []
    ) -> Plan {
        let observed = try! kernel.observe()
        return Planner.plan(
            desired: desired, observed: observed, owned: owned,
            sysctls: SysctlSnapshot.read(
                from: kernel, desired: desired, saved: originals, interfaces: observed.links.map(\.name),
                networkdManaged: networkdManaged))
    }

    static func executor(_ kernel: FakeKernel) -> PlanExecutor {
        PlanExecutor(kernel: kernel, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// Plans and applies once; returns the plan and the report.
    @discardableResult
    static func converge(
        _ desired: DesiredState,
        on kernel: FakeKernel,
        owned: OwnershipRecord = OwnershipRecord(),
        originals: [SavedSysctl] = []
    ) -> (Plan, ExecutionReport) {
        let plan = plan(desired, on: kernel, owned: owned, originals: originals)
        return (plan, executor(kernel).apply(plan))
    }
}
