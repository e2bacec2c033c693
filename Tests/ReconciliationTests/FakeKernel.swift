import IPv6Addressing
import Netlink
import Reconciliation
import Synchronization

/// A `NetworkKernel` that keeps state in memory, records every request, and answers like Linux 6.x:
/// `EEXIST` for a duplicate add, `EADDRNOTAVAIL`/`ESRCH` for removing what is not there, `ENODEV` for an unknown
/// interface, and an address replace that changes flags but not the prefix length (`inet6_addr_modify()`).
/// Adding an address also adds the kernel's own routes for it, as `addrconf` does. A write to `all.forwarding`
/// is copied into `default` and every interface's `forwarding` that exists (`addrconf_fixup_forwarding()`).
final class FakeKernel: NetworkKernel {
    struct State {
        var observed: ObservedState
        var sysctls: [SysctlKey: Int]
        var requests: [RTNetlinkRequest] = []
        var sysctlWrites: [String] = []
        var failingSysctls: Set<SysctlKey> = []
        var batches = 0
    }

    private let state: Mutex<State>

    init(links: [Link], addresses: [InterfaceAddress] = [], routes: [Route] = [], sysctls: [SysctlKey: Int] = [:]) {
        state = Mutex(State(observed: ObservedState(links: links, addresses: addresses, routes: routes), sysctls: sysctls))
    }

    var observed: ObservedState { state.withLock { $0.observed } }
    var requests: [RTNetlinkRequest] { state.withLock { $0.requests } }
    var sysctlWrites: [String] { state.withLock { $0.sysctlWrites } }
    var batches: Int { state.withLock { $0.batches } }

    func sysctlValue(_ name: IPv6Sysctl.Name, _ interface: String?) -> Int? {
        state.withLock { $0.sysctls[SysctlKey(name, interface: interface)] }
    }

    /// Writes a sysctl as another process would (not recorded as the agent's write).
    func setByAdmin(_ name: IPv6Sysctl.Name, _ interface: String?, _ value: Int) {
        state.withLock { $0.sysctls[SysctlKey(name, interface: interface)] = value }
    }

    func failWrites(to key: SysctlKey) {
        state.withLock { _ = $0.failingSysctls.insert(key) }
    }

    func mutate(_ body: (inout ObservedState) -> Void) {
        state.withLock { body(&$0.observed) }
    }

    func observe() throws -> ObservedState {
        observed
    }

    func perform(_ requests: [RTNetlinkRequest]) throws -> [Result<Void, NetlinkError>] {
        state.withLock { state in
            state.batches += 1
            state.requests += requests
            return requests.map { Self.apply($0, to: &state.observed) }
        }
    }

    func sysctl(_ name: IPv6Sysctl.Name, interface: String?) throws -> Int {
        let key = SysctlKey(name, interface: interface)
        guard let value = state.withLock({ $0.sysctls[key] }) else {
            throw NetlinkError(code: .notFound, operation: "sysctl", message: "no \(key)")
        }
        return value
    }

    func setSysctl(_ name: IPv6Sysctl.Name, _ value: Int, interface: String?) throws {
        let key = SysctlKey(name, interface: interface)
        try state.withLock { state in
            guard !state.failingSysctls.contains(key), state.sysctls[key] != nil else {
                throw NetlinkError(code: .permissionDenied, operation: "sysctl", message: "cannot write \(key)")
            }
            state.sysctls[key] = value
            state.sysctlWrites.append("\(key)=\(value)")
            if name == .forwarding, interface == "all" {
                for other in state.sysctls.keys where other.name == .forwarding {
                    state.sysctls[other] = value
                }
            }
        }
    }

    private static func failure(_ code: NetlinkError.Code, _ operation: String) -> Result<Void, NetlinkError> {
        .failure(NetlinkError(code: code, operation: operation, message: "fake kernel"))
    }

    private static func apply(_ request: RTNetlinkRequest, to observed: inout ObservedState) -> Result<Void, NetlinkError> {
        switch request {
        case .addAddress(let address), .replaceAddress(let address):
            guard observed.link(index: address.ifindex) != nil else {
                return failure(.noSuchDevice, "RTM_NEWADDR")
            }
            if let index = observed.addresses.firstIndex(where: {
                $0.ifindex == address.ifindex && $0.address == address.address
            }) {
                guard case .replaceAddress = request else {
                    return failure(.exists, "RTM_NEWADDR")
                }
                // inet6_addr_modify(): flags and protocol change, the prefix length does not.
                observed.addresses[index].flags = address.flags
                observed.addresses[index].addressProtocol = address.addressProtocol
                return .success(())
            }
            observed.addresses.append(address)
            observed.routes.append(
                Route(
                    destination: try! IPv6Prefix(address: address.address, length: 128), type: .local,
                    table: .local, routeProtocol: .kernel, outputInterface: address.ifindex, metric: 0))
            if !address.flags.contains(.noPrefixRoute), address.prefixLength < 128 {
                observed.routes.append(
                    Route(
                        destination: try! IPv6Prefix(masking: address.address, length: Int(address.prefixLength)),
                        routeProtocol: .kernel, outputInterface: address.ifindex, metric: 256))
            }
            return .success(())
        case .removeAddress(let address):
            guard
                let index = observed.addresses.firstIndex(where: {
                    $0.ifindex == address.ifindex && $0.address == address.address
                        && $0.prefixLength == address.prefixLength
                })
            else {
                return failure(.addressNotAvailable, "RTM_DELADDR")
            }
            observed.addresses.remove(at: index)
            observed.routes.removeAll {
                $0.routeProtocol == .kernel && $0.outputInterface == address.ifindex
                    && ($0.destination.contains(address.address))
            }
            return .success(())
        case .addRoute(let route), .replaceRoute(let route):
            if let oif = route.outputInterface, observed.link(index: oif) == nil {
                return failure(.noSuchDevice, "RTM_NEWROUTE")
            }
            var stored = route
            if route.outputInterface == nil, route.type == .unreachable {
                stored.outputInterface = 1  // reject routes live on lo
            }
            if let index = observed.routes.firstIndex(where: { sameKey($0, route) }) {
                guard case .replaceRoute = request else {
                    return failure(.exists, "RTM_NEWROUTE")
                }
                observed.routes[index] = stored
                return .success(())
            }
            observed.routes.append(stored)
            return .success(())
        case .removeRoute(let route):
            guard
                let index = observed.routes.firstIndex(where: {
                    sameKey($0, route) && $0.routeProtocol == route.routeProtocol
                        && (route.outputInterface == nil || $0.outputInterface == route.outputInterface)
                })
            else {
                return failure(.notFound, "RTM_DELROUTE")
            }
            observed.routes.remove(at: index)
            return .success(())
        }
    }

    /// fib6: one table, one destination node, routes told apart by metric (the default being 1024).
    private static func sameKey(_ lhs: Route, _ rhs: Route) -> Bool {
        lhs.table == rhs.table && lhs.destination == rhs.destination && (lhs.metric ?? 1024) == (rhs.metric ?? 1024)
    }
}
