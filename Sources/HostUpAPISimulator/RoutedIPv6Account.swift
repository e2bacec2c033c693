import FoundationEssentials
import IPv6Addressing

/// The simulated account's routed-IPv6 data and the transitions the API allows on it.
///
/// Plain value logic, no HTTP: each transition either changes the account and returns what it made, or throws the
/// ``APIFailure`` the API answers with. The gates (`actions.*` in the document) are computed here too, from the same
/// rules, so a gate that says "allowed" never leads to a refusal.
struct RoutedIPv6Account: Sendable {
    var available: Bool
    var reason: String?
    var pools: [SimulatedPool]
    var destinations: [SimulatedDestination]
    var supply: PoolSupply

    init(seed: SimulatorSeed, supply: PoolSupply) {
        self.available = seed.available
        self.reason = seed.reason
        self.pools = []
        self.destinations = []
        self.supply = supply
        load(seed)
    }

    /// Replaces everything with `seed`, filling each seeded route's missing `nextHop`/`vpsName` from its destination.
    mutating func load(_ seed: SimulatorSeed) {
        available = seed.available
        reason = seed.reason
        destinations = seed.destinations
        pools = seed.pools.map { pool in
            var pool = pool
            pool.routes = pool.routes.map { route in
                var route = route
                let destination = destination(id: route.vpsId)
                route.nextHop = route.nextHop ?? destination?.nextHop
                route.vpsName = route.vpsName ?? destination?.name
                return route
            }
            return pool
        }
    }

    /// Adds a VPS, replacing the one with the same `vpsId`.
    mutating func addDestination(_ destination: SimulatedDestination) {
        if let index = destinations.firstIndex(where: { $0.vpsId == destination.vpsId }) {
            destinations[index] = destination
        } else {
            destinations.append(destination)
        }
    }

    func destination(id: String) -> SimulatedDestination? {
        destinations.first { $0.vpsId == id }
    }

    // MARK: Gates

    /// Why `allocate_pool` is refused now, or `nil` when it is allowed.
    var allocatePoolRefusal: String? {
        if !available {
            return reason ?? "Routed IPv6 is not available for this account."
        }
        if !pools.isEmpty {
            return "The account already has a routed /48."
        }
        var supply = supply
        if supply.next(excluding: pools.compactMap(\.prefix)) == nil {
            return "No routed /48 is available right now."
        }
        return nil
    }

    /// Why `create_route` is refused on every pool, or `nil` when some pool and VPS allow it.
    var createRouteRefusal: String? {
        if pools.isEmpty {
            return "Add a routed /48 before creating routes."
        }
        let refusals = pools.map(createRouteRefusal(in:))
        return refusals.contains(nil) ? nil : refusals.first ?? nil
    }

    /// Why `create_route` is refused in `pool`, or `nil` when a /64 is free and some VPS can receive it.
    func createRouteRefusal(in pool: SimulatedPool) -> String? {
        guard let prefix = pool.prefix,
            ChildPrefixFinder.firstFree(in: prefix, length: 64, taken: allRoutedPrefixes) != nil
        else {
            return "No free prefix remains in this /48."
        }
        if !destinations.contains(where: { $0.routeRefusal == nil }) {
            return "No VPS in the account can receive a routed prefix."
        }
        return nil
    }

    /// Why `pool` cannot be released, or `nil` when it has no routes.
    func releaseRefusal(of pool: SimulatedPool) -> String? {
        switch pool.routes.count {
        case 0: nil
        case 1: "Delete the route in this /48 before releasing it."
        case let count: "Delete the \(count) routes in this /48 before releasing it."
        }
    }

    private var allRoutedPrefixes: [IPv6Prefix] {
        pools.flatMap(\.routedPrefixes)
    }

    // MARK: Transitions

    /// `allocate_pool`: takes the next /48 of the supply.
    ///
    /// - Throws: 409 without a body when the account already has a pool, routed IPv6 is unavailable, or the supply
    ///   is exhausted.
    mutating func allocatePool(now: Date) throws(APIFailure) -> SimulatedPool {
        if let refusal = allocatePoolRefusal {
            throw .conflictWithoutBody(refusal)
        }
        guard let prefix = supply.next(excluding: pools.compactMap(\.prefix)) else {
            throw .conflictWithoutBody("No routed /48 is available right now.")
        }
        let pool = SimulatedPool(parentCidr: prefix.description, allocatedAt: SimulatorTimestamp.string(from: now))
        pools.append(pool)
        return pool
    }

    /// `create_route`: routes an explicit or the first free child prefix of a pool to a VPS.
    ///
    /// - Throws: 404 for an unknown pool or VPS; 400 `invalid_request` when the VPS cannot receive routes
    ///   (`/vpsId`) or `prefix` lies outside the pool (`/prefix`); 409 without a body when the prefix overlaps a
    ///   route or no child of that length is free.
    mutating func createRoute(_ input: CreateRouteInput, now: Date) throws(APIFailure) -> SimulatedRoute {
        guard let poolIndex = pools.firstIndex(where: { $0.id == input.poolId }) else {
            throw .notFound("Routed IPv6 pool `\(input.poolId)` was not found.")
        }
        guard let destination = destination(id: input.vpsId) else {
            throw .notFound("VPS `\(input.vpsId)` was not found.")
        }
        if let refusal = destination.routeRefusal {
            throw .invalidRequest([FieldIssue(pointer: "/vpsId", detail: refusal, code: .invalidValue)])
        }
        guard let poolPrefix = pools[poolIndex].prefix else {
            throw .conflictWithoutBody("The pool prefix \(pools[poolIndex].parentCidr) is unusable.")
        }
        let taken = allRoutedPrefixes
        let prefix: IPv6Prefix
        if let requested = input.prefix {
            guard poolPrefix.contains(requested) else {
                throw .invalidRequest([
                    FieldIssue(
                        pointer: "/prefix",
                        detail: "`prefix` \(requested) is outside the pool \(poolPrefix).",
                        code: .invalidValue
                    )
                ])
            }
            if let existing = taken.first(where: { $0.overlaps(requested) }) {
                throw .conflictWithoutBody("\(requested) overlaps the route \(existing).")
            }
            prefix = requested
        } else {
            guard let free = ChildPrefixFinder.firstFree(in: poolPrefix, length: input.prefixLength, taken: taken)
            else {
                throw .conflictWithoutBody("No free /\(input.prefixLength) remains in \(poolPrefix).")
            }
            prefix = free
        }
        let timestamp = SimulatorTimestamp.string(from: now)
        let route = SimulatedRoute(
            prefix: prefix.description,
            prefixLength: prefix.length,
            vpsId: destination.vpsId,
            vpsName: destination.name,
            nextHop: destination.nextHop,
            label: input.label,
            allocatedAt: timestamp
        )
        pools[poolIndex].routes.append(route)
        pools[poolIndex].updatedAt = timestamp
        return route
    }

    /// `DELETE /api/v2/routed-ipv6/routes/{id}`.
    ///
    /// - Throws: 404 for an unknown route; 409 with a problem body when the route's `canDelete` gate is closed.
    mutating func deleteRoute(id: String, now: Date) throws(APIFailure) {
        guard let (poolIndex, routeIndex) = location(ofRoute: id) else {
            throw .notFound("Route `\(id)` was not found.")
        }
        if let refusal = pools[poolIndex].routes[routeIndex].deleteRefusal {
            throw .conflict(refusal)
        }
        pools[poolIndex].routes.remove(at: routeIndex)
        pools[poolIndex].updatedAt = SimulatorTimestamp.string(from: now)
    }

    /// `DELETE /api/v2/routed-ipv6/{id}`: gives the pool back. Its /48 is never handed out again.
    ///
    /// - Throws: 404 for an unknown pool; 409 with a problem body while the pool still has routes.
    mutating func releasePool(id: String) throws(APIFailure) {
        guard let index = pools.firstIndex(where: { $0.id == id }) else {
            throw .notFound("Routed IPv6 pool `\(id)` was not found.")
        }
        if let refusal = releaseRefusal(of: pools[index]) {
            throw .conflict(refusal)
        }
        pools.remove(at: index)
    }

    /// Removes a route behind the API's back (`DELETE /_sim/routes/{id}`), ignoring its gate.
    ///
    /// - Returns: Whether the route existed.
    mutating func removeRoute(id: String) -> Bool {
        guard let (poolIndex, routeIndex) = location(ofRoute: id) else { return false }
        pools[poolIndex].routes.remove(at: routeIndex)
        return true
    }

    private func location(ofRoute id: String) -> (Int, Int)? {
        for (poolIndex, pool) in pools.enumerated() {
            if let routeIndex = pool.routes.firstIndex(where: { $0.id == id }) {
                return (poolIndex, routeIndex)
            }
        }
        return nil
    }
}
