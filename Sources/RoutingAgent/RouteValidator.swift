import HostUpAPI
import IPv6Addressing
import Reconciliation

/// Turns the API's state document into the routes this VPS must apply, refusing each route that is not sound.
///
/// The rules are DESIGN.md "Validation". A refused route is reported with its id and reason and left out; the
/// other routes still apply. Routes of other VPSes, and routes whose `status` is not `active`, are not ours to
/// apply and are skipped silently (they still take part in the overlap check).
public struct RouteValidator: Sendable, Equatable {
    /// The `vpsId` of this VPS.
    public var vpsID: String
    /// The on-link prefixes of the uplink (its global addresses' prefixes), which no routed prefix may overlap.
    public var uplinkPrefixes: [IPv6Prefix]
    /// Addresses no routed prefix may contain, each with what it is: the default gateway, the uplink's own
    /// addresses (a /128 from DHCPv6 too), the API host's. A prefix bound `anyip` becomes a `local` route, so one
    /// that contained any of them would cut the VPS off from its router or its API.
    public var protectedAddresses: [ProtectedAddress]
    /// The prefix lengths a route may have (DESIGN.md: 48, 56, 64).
    public static let allowedLengths: Set<Int> = [48, 56, 64]
    /// The length of a pool: the top of the API's `allowedPrefixLengths`.
    public static let poolLength = 48

    /// An address that no routed prefix may contain.
    public struct ProtectedAddress: Sendable, Hashable {
        /// The address.
        public var address: IPv6Address
        /// What it is, e.g. "the default gateway" or "the API host cloud.hostup.se".
        public var role: String

        public init(_ address: IPv6Address, role: String) {
            self.address = address
            self.role = role
        }
    }

    public init(vpsID: String, uplinkPrefixes: [IPv6Prefix], protectedAddresses: [ProtectedAddress] = []) {
        self.vpsID = vpsID
        self.uplinkPrefixes = uplinkPrefixes
        self.protectedAddresses = protectedAddresses
    }

    /// The outcome of validating one state document.
    public struct Outcome: Sendable, Equatable {
        /// Active routes of this VPS that passed every rule, in document order.
        public var routes: [RoutedPrefix]
        /// Active routes of this VPS that failed a rule.
        public var refusals: [RouteRefusal]
        /// Routes anywhere in the document that did not decode (of any VPS: their `vpsId` may be unreadable).
        public var undecoded: [UndecodedRoute] = []

        /// Creates an outcome.
        public init(routes: [RoutedPrefix], refusals: [RouteRefusal], undecoded: [UndecodedRoute] = []) {
            self.routes = routes
            self.refusals = refusals
            self.undecoded = undecoded
        }

        /// Whether an undecoded route could be one of this VPS's: its id is one of `applied`, or its `vpsId` is
        /// `vpsID`; when neither its id nor its `vpsId` can be read, any route could be it.
        ///
        /// - Returns: The ids to keep as they are, and whether every route not listed must be kept.
        public func held(applied: Set<String>, vpsID: String) -> (ids: Set<String>, all: Bool) {
            var ids = Set(refusals.map(\.routeID))
            var all = false
            for entry in undecoded {
                if let id = entry.id {
                    if applied.contains(id) || entry.vpsId == vpsID { ids.insert(id) }
                } else if entry.vpsId == nil || entry.vpsId == vpsID {
                    all = true
                }
            }
            return (ids, all)
        }
    }

    /// Validates every active route of this VPS in `document`.
    ///
    /// - Returns: The routes to apply and the refusals; never throws, so one bad route cannot hide the others.
    public func validate(_ document: RoutedIPv6State) -> Outcome {
        // Every parseable route prefix in the document, for the overlap rule.
        var all: [(id: String, prefix: IPv6Prefix)] = []
        for pool in document.pools {
            for route in pool.routes {
                if let prefix = try? IPv6Prefix(route.prefix) { all.append((route.id, prefix)) }
            }
        }

        var idCounts: [String: Int] = [:]
        for pool in document.pools {
            for route in pool.routes { idCounts[route.id, default: 0] += 1 }
        }

        let overlaps = Self.overlaps(all)
        var outcome = Outcome(routes: [], refusals: [], undecoded: document.undecodedRoutes)
        for pool in document.pools {
            let parent = try? IPv6Prefix(pool.parentCidr)
            for route in pool.routes where route.vpsId == vpsID && route.status == .active {
                guard !route.id.isEmpty, idCounts[route.id] == 1 else {
                    outcome.refusals.append(
                        RouteRefusal(
                            routeID: route.id, prefix: route.prefix,
                            reason: route.id.isEmpty ? "has an empty id" : "its id is used by several routes"))
                    continue
                }
                switch check(route, parent: parent, parentText: pool.parentCidr, overlapping: overlaps[route.id]) {
                case .success(let prefix):
                    outcome.routes.append(RoutedPrefix(id: route.id, prefix: prefix, label: route.label))
                case .failure(let refusal):
                    outcome.refusals.append(
                        RouteRefusal(routeID: route.id, prefix: route.prefix, reason: refusal.description))
                }
            }
        }
        return outcome
    }

    /// For each route id that overlaps a route with another id, one such route: a sweep over the prefixes in
    /// address order (a prefix sorts before every prefix it contains), keeping the chain of prefixes that contain
    /// the current one. O(n log n), where comparing every pair was quadratic in the document's routes.
    static func overlaps(_ all: [(id: String, prefix: IPv6Prefix)]) -> [String: (id: String, prefix: IPv6Prefix)] {
        let order = all.indices.sorted { (all[$0].prefix, $0) < (all[$1].prefix, $1) }
        var enclosing: [Int] = []
        var found: [String: (id: String, prefix: IPv6Prefix)] = [:]
        for index in order {
            let current = all[index]
            while let last = enclosing.last, !all[last].prefix.contains(current.prefix) { enclosing.removeLast() }
            if let outer = enclosing.last(where: { all[$0].id != current.id }).map({ all[$0] }) {
                if found[current.id] == nil { found[current.id] = outer }
                if found[outer.id] == nil { found[outer.id] = current }
            }
            enclosing.append(index)
        }
        return found
    }

    private struct Reason: Error, CustomStringConvertible {
        var description: String
    }

    private func check(
        _ route: HostUpAPI.Route, parent: IPv6Prefix?, parentText: String,
        overlapping: (id: String, prefix: IPv6Prefix)?
    ) -> Result<IPv6Prefix, Reason> {
        let prefix: IPv6Prefix
        do {
            prefix = try IPv6Prefix(route.prefix)
        } catch let error as IPv6AddressingError {
            return .failure(Reason(description: "prefix does not parse: \(error.message)"))
        } catch {
            return .failure(Reason(description: "prefix does not parse: \(error)"))
        }
        guard prefix.length == route.prefixLength else {
            return .failure(Reason(description: "prefix is a /\(prefix.length) but prefixLength says \(route.prefixLength)"))
        }
        guard Self.allowedLengths.contains(prefix.length) else {
            return .failure(Reason(description: "a /\(prefix.length) is not a routable length (48, 56 or 64)"))
        }
        guard let parent else {
            return .failure(Reason(description: "its pool's parentCidr \"\(parentText)\" does not parse"))
        }
        // NOTE: a pool is one /48 of global unicast space (the seed page's allowedPrefixLengths top out at 48). A
        // pool such as 2000::/3 would let the API route any /48 of the internet here, which `anyip` turns into a
        // local route: the VPS would answer for, and so blackhole, that part of the internet.
        guard parent.length == Self.poolLength, parent.isGlobalUnicast else {
            return .failure(Reason(description: "its pool's parentCidr \(parent) is not a /48 inside 2000::/3"))
        }
        guard parent.contains(prefix) else {
            return .failure(Reason(description: "not inside its pool's parentCidr \(parent)"))
        }
        guard prefix.address.isGlobalUnicast else {
            return .failure(Reason(description: "not global unicast (outside 2000::/3)"))
        }
        if let other = overlapping {
            return .failure(Reason(description: "overlaps route \(other.id) (\(other.prefix))"))
        }
        if let onLink = uplinkPrefixes.first(where: { $0.overlaps(prefix) }) {
            return .failure(Reason(description: "overlaps the uplink's on-link prefix \(onLink)"))
        }
        if let nextHopText = route.nextHop, let nextHop = try? IPv6Address(nextHopText), prefix.contains(nextHop) {
            return .failure(Reason(description: "contains its own nextHop \(nextHop)"))
        }
        if let protected = protectedAddresses.first(where: { prefix.contains($0.address) }) {
            return .failure(
                Reason(description: "contains \(protected.role) (\(protected.address)); it would cut this VPS off"))
        }
        return .success(prefix)
    }
}
