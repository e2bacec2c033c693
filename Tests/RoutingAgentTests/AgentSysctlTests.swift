import FoundationEssentials
import HostUpAPI
import IPv6Addressing
import Logging
import Netlink
import Reconciliation
import Synchronization
import Testing

@testable import RoutingAgent

/// A kernel with lo, eth0 (RA default route) and br0 that accepts every request, keeps sysctls in memory (a write
/// to `all.forwarding` is copied into every interface, as `addrconf_fixup_forwarding()` does), and calls
/// `onSysctlWrite` before each sysctl write.
final class SysctlKernel: NetworkKernel {
    struct State {
        var observed: ObservedState
        var sysctls: [SysctlKey: Int]
        var writes: [String] = []
    }

    let state: Mutex<State>
    let onSysctlWrite: @Sendable (SysctlKey, Int) -> Void

    init(onSysctlWrite: @escaping @Sendable (SysctlKey, Int) -> Void = { _, _ in }) {
        let links = [
            Link(ifindex: 1, name: "lo", isUp: true, isLowerUp: true, isLoopback: true),
            Link(ifindex: 2, name: "eth0", isUp: true, isLowerUp: true),
            Link(ifindex: 3, name: "br0", isUp: true, isLowerUp: true, kind: "bridge"),
        ]
        var sysctls: [SysctlKey: Int] = [SysctlKey(.nonlocalBind, interface: nil): 0]
        for name in ["all", "default", "lo", "eth0", "br0"] {
            sysctls[SysctlKey(.forwarding, interface: name)] = 0
            sysctls[SysctlKey(.acceptRA, interface: name)] = 1
            sysctls[SysctlKey(.keepAddressOnDown, interface: name)] = 0
        }
        state = Mutex(State(observed: ObservedState(links: links, routes: [Self.defaultRoute]), sysctls: sysctls))
        self.onSysctlWrite = onSysctlWrite
    }

    static let defaultRoute = Netlink.Route(
        destination: try! IPv6Prefix("::/0"), routeProtocol: .ra, outputInterface: 2,
        gateway: try! IPv6Address("fe80::1"), metric: 1024)

    var writes: [String] { state.withLock { $0.writes } }
    func value(_ name: IPv6Sysctl.Name, _ interface: String?) -> Int? {
        state.withLock { $0.sysctls[SysctlKey(name, interface: interface)] }
    }
    func mutate(_ body: (inout ObservedState) -> Void) { state.withLock { body(&$0.observed) } }

    /// Puts the addresses and routes that `plan` adds into the kernel and takes out those it removes, as the
    /// kernel would have after applying it (this kernel's `perform` changes nothing).
    func hold(_ plan: Plan) {
        mutate { observed in
            for operation in plan.operations {
                switch operation {
                case .addAddress(let address, _), .replaceAddress(let address, _):
                    observed.addresses.removeAll { $0.ifindex == address.ifindex && $0.address == address.address }
                    observed.addresses.append(address)
                case .removeAddress(let address, _):
                    observed.addresses.removeAll { $0.ifindex == address.ifindex && $0.address == address.address }
                case .addRoute(let route, _), .replaceRoute(let route, _):
                    observed.routes.removeAll { $0.table == route.table && $0.destination == route.destination && $0.metric == route.metric }
                    observed.routes.append(route)
                case .removeRoute(let route, _):
                    observed.routes.removeAll { $0.table == route.table && $0.destination == route.destination && $0.metric == route.metric }
                case .setSysctl:
                    break
                }
            }
        }
    }

    func observe() throws -> ObservedState { state.withLock { $0.observed } }
    func perform(_ requests: [RTNetlinkRequest]) throws -> [Result<Void, NetlinkError>] {
        requests.map { _ in .success(()) }
    }
    func sysctl(_ name: IPv6Sysctl.Name, interface: String?) throws -> Int {
        guard let value = value(name, interface) else {
            throw NetlinkError(code: .notFound, operation: "sysctl", message: "no such sysctl")
        }
        return value
    }
    func setSysctl(_ name: IPv6Sysctl.Name, _ value: Int, interface: String?) throws {
        let key = SysctlKey(name, interface: interface)
        onSysctlWrite(key, value)
        state.withLock { state in
            state.sysctls[key] = value
            state.writes.append("\(key)=\(value)")
            if key == SysctlKey(.forwarding, interface: "all") {
                for other in state.sysctls.keys where other.name == .forwarding { state.sysctls[other] = value }
            }
        }
    }
}

@Suite struct AgentSysctlTests {
    let directory = temporaryDirectory()

    func makeAgent(_ kernel: SysctlKernel, uplink: String? = nil, networkdLinks: String? = nil) throws -> Agent {
        let configuration = AgentConfiguration(
            vpsID: selfID, uplink: uplink, stateDirectory: directory,
            bindings: [Binding(mode: .address, interface: "br0", forwarding: true)])
        return try Agent(
            configuration: configuration, client: nil, kernel: kernel, store: StateStore(directory: directory),
            logger: Logger(label: "test"), localAddresses: { .init(ipv6: [], ipv4: []) },
            networkdLinks: networkdLinks ?? directory + "/no-networkd")
    }

    func absorbOneRoute(_ agent: Agent) async {
        let doc = document([route("r1", "2001:db8:1000:10::/64")])
        let outcome = RouteValidator(vpsID: selfID, uplinkPrefixes: []).validate(doc)
        await agent.absorb(Agent.Answer(vpsID: selfID, outcome: outcome, document: doc))
    }

    @Test func originalsAreOnDiskBeforeTheFirstSysctlWrite() async throws {
        let store = StateStore(directory: directory)
        let seen = Mutex<[[SavedSysctl]]>([])
        let kernel = SysctlKernel { _, _ in
            let saved = (try? store.load().savedSysctls) ?? []
            seen.withLock { $0.append(saved) }
        }
        let agent = try makeAgent(kernel)
        await absorbOneRoute(agent)
        _ = try await agent.reconcile()
        let first = try #require(seen.withLock { $0.first })
        #expect(first.contains(SavedSysctl(.acceptRA, interface: "eth0", value: 1)))
        #expect(first.contains(SavedSysctl(.forwarding, interface: "all", value: 0)))
        #expect(first.contains(SavedSysctl(.forwarding, interface: "default", value: 0)))
        #expect(first.contains(SavedSysctl(.forwarding, interface: "br0", value: 0)))
        #expect(kernel.writes.prefix(2) == ["net.ipv6.conf.eth0.accept_ra=2", "net.ipv6.conf.all.forwarding=1"])
    }

    @Test func theUplinkIsRememberedWhenTheDefaultRouteVanishes() async throws {
        let kernel = SysctlKernel()
        let agent = try makeAgent(kernel)
        await absorbOneRoute(agent)
        _ = try await agent.reconcile()
        #expect(await agent.state.uplink == "eth0")
        #expect(kernel.value(.acceptRA, "eth0") == 2)

        // The router restarts: its last RA has lifetime 0, and the default route goes.
        kernel.mutate { $0.routes.removeAll() }
        let result = try await agent.reconcile()
        #expect(result.plan.operations.filter { $0.description.hasPrefix("sysctl") } == [])
        #expect(await agent.state.uplink == "eth0")
        #expect(kernel.value(.acceptRA, "eth0") == 2)
        #expect(!kernel.writes.contains { $0.hasSuffix("accept_ra=1") || $0.hasSuffix("accept_ra=0") })

        // A restart of the agent reads the uplink back from the state file.
        let restarted = try makeAgent(kernel)
        #expect(await restarted.state.uplink == "eth0")
        _ = try await restarted.reconcile()
        #expect(kernel.value(.acceptRA, "eth0") == 2)
    }

    @Test func cleanupRestoresEveryOriginal() async throws {
        let kernel = SysctlKernel()
        kernel.state.withLock { $0.sysctls[SysctlKey(.forwarding, interface: "br0")] = 1 }
        let agent = try makeAgent(kernel)
        await absorbOneRoute(agent)
        _ = try await agent.reconcile()
        #expect(kernel.value(.forwarding, "br0") == 1)
        _ = try await agent.reconcile(routes: [])
        #expect(kernel.value(.forwarding, "all") == 0)
        #expect(kernel.value(.forwarding, "default") == 0)
        #expect(kernel.value(.forwarding, "br0") == 1)
        #expect(kernel.value(.acceptRA, "eth0") == 1)
        #expect(await agent.state.savedSysctls == [])
    }

    @Test func aNetworkdManagedUplinkIsLeftAlone() async throws {
        // networkd's state file for ifindex 2 names a .network file: networkd manages eth0, handles its RAs
        // itself and keeps the kernel's accept_ra at 0.
        let links = directory + "/netif-links"
        try FileIO.makeDirectory(directory)
        try FileIO.makeDirectory(links)
        try FileIO.writeAtomically(
            Array("# This is private data. Do not parse.\nADMIN_STATE=configured\nNETWORK_FILE=/etc/systemd/network/10-eth0.network\n".utf8),
            to: links + "/2")
        let kernel = SysctlKernel()
        kernel.state.withLock { $0.sysctls[SysctlKey(.acceptRA, interface: "eth0")] = 0 }
        let agent = try makeAgent(kernel, networkdLinks: links)
        await absorbOneRoute(agent)
        let result = try await agent.reconcile()
        #expect(!kernel.writes.contains { $0.contains("accept_ra") })
        #expect(kernel.value(.forwarding, "all") == 1)
        #expect(result.plan.notices.contains { $0.contains("eth0 is managed by systemd-networkd") })
    }

    @Test func whileRecoveringOnlyCleanupRestores() async throws {
        // A newer version's state file: the originals still read; the kernel holds the agent's changes.
        try FileIO.makeDirectory(directory)
        let text = """
            {"version": 9, "uplink": "eth0", "savedSysctls": [{"name": "forwarding", "interface": "all", "value": 0},
             {"name": "accept_ra", "interface": "eth0", "value": 1}]}
            """
        try FileIO.writeAtomically(Array(text.utf8), to: directory + "/state.json")
        let kernel = SysctlKernel()
        try kernel.setSysctl(.acceptRA, 2, interface: "eth0")
        try kernel.setSysctl(.forwarding, 1, interface: "all")
        let agent = try makeAgent(kernel)
        #expect(await agent.state.recovery != nil)
        // The daemon's reconcile (no routes known yet) leaves everything as it is...
        _ = try await agent.reconcile()
        #expect(kernel.value(.forwarding, "all") == 1)
        #expect(kernel.value(.acceptRA, "eth0") == 2)
        // ...and `cleanup`, the admin's own teardown, restores the originals.
        _ = try await agent.reconcile(routes: [])
        #expect(kernel.value(.forwarding, "all") == 0)
        #expect(kernel.value(.acceptRA, "eth0") == 1)
    }

    static let lo = Link(ifindex: 1, name: "lo", isUp: true, isLowerUp: true, isLoopback: true)
    static let eth0 = Link(ifindex: 2, name: "eth0", isUp: true, isLowerUp: true)
    static let vpn0 = Link(ifindex: 5, name: "vpn0", isUp: true, isLowerUp: true)

    static func defaultRoute(via ifindex: UInt32, _ routeProtocol: RouteProtocol, metric: UInt32) -> Netlink.Route {
        Netlink.Route(destination: try! IPv6Prefix("::/0"), routeProtocol: routeProtocol, outputInterface: ifindex, metric: metric)
    }

    @Test func theUplinkIsChosenStably() {
        let vpnFirst = ObservedState(
            links: [Self.lo, Self.eth0, Self.vpn0],
            routes: [Self.defaultRoute(via: 5, .static, metric: 100), Self.defaultRoute(via: 2, .ra, metric: 1024)])
        // Configured wins.
        #expect(Agent.uplink(configured: "vpn0", remembered: "eth0", observed: vpnFirst) == "vpn0")
        // Remembered wins while its link exists, even when another default route sorts first.
        #expect(Agent.uplink(configured: nil, remembered: "eth0", observed: vpnFirst) == "eth0")
        let noDefault = ObservedState(links: [Self.lo, Self.eth0])
        #expect(Agent.uplink(configured: nil, remembered: "eth0", observed: noDefault) == "eth0")
        // Nothing remembered: the router-advertised default route comes first, then the lowest metric.
        #expect(Agent.uplink(configured: nil, remembered: nil, observed: vpnFirst) == "eth0")
        let twoStatic = ObservedState(
            links: [Self.lo, Self.eth0, Self.vpn0],
            routes: [Self.defaultRoute(via: 2, .static, metric: 1024), Self.defaultRoute(via: 5, .static, metric: 100)])
        #expect(Agent.uplink(configured: nil, remembered: nil, observed: twoStatic) == "vpn0")
        // A remembered link that is gone gives way to the default route.
        #expect(Agent.uplink(configured: nil, remembered: "eth9", observed: vpnFirst) == "eth0")
        #expect(Agent.uplink(configured: nil, remembered: nil, observed: noDefault) == nil)
    }
}
