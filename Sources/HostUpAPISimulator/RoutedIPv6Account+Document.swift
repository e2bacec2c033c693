import HostUpAPI
import IPv6Addressing

extension RoutedIPv6Account {
    /// The account as `GET /api/v2/routed-ipv6` shows it, with every `actions.*` gate filled in.
    var document: RoutedIPv6State {
        let accountRefusal = createRouteRefusal
        return RoutedIPv6State(
            available: available,
            reason: reason,
            allowedPrefixLengths: CreateRouteInput.allowedPrefixLengths,
            pools: pools.map(document(of:)),
            destinations: destinations.map { destination in
                Destination(
                    vpsId: destination.vpsId,
                    name: destination.name,
                    primaryIp: destination.primaryIp,
                    nextHop: destination.nextHop,
                    serviceStatus: destination.serviceStatus,
                    actions: DestinationActions(canReceiveRoute: Self.gate(destination.routeRefusal))
                )
            },
            actions: AccountActions(
                canAllocatePool: Self.gate(allocatePoolRefusal),
                canCreateRoute: Self.gate(accountRefusal)
            )
        )
    }

    private func document(of pool: SimulatedPool) -> Pool {
        Pool(
            id: pool.id,
            parentCidr: pool.parentCidr,
            prefixLength: pool.prefix?.length ?? 48,
            status: PoolStatus(rawValue: pool.status),
            allocatedAt: pool.allocatedAt,
            updatedAt: pool.updatedAt,
            routes: pool.routes.map { route in
                Route(
                    id: route.id,
                    prefix: route.prefix,
                    prefixLength: route.prefixLength,
                    nextHop: route.nextHop,
                    label: route.label,
                    vpsId: route.vpsId,
                    vpsName: route.vpsName,
                    status: RouteStatus(rawValue: route.status),
                    allocatedAt: route.allocatedAt,
                    updatedAt: route.updatedAt,
                    actions: RouteActions(canDelete: Self.gate(route.deleteRefusal))
                )
            },
            actions: PoolActions(
                canCreateRoute: Self.gate(createRouteRefusal(in: pool)),
                canRelease: Self.gate(releaseRefusal(of: pool))
            )
        )
    }

    private static func gate(_ refusal: String?) -> ActionGate {
        ActionGate(allowed: refusal == nil, reason: refusal)
    }
}
