import FoundationEssentials
import Reconciliation

/// What `hostup-routed status` reports: each remembered route and whether the kernel holds it, what a reconcile
/// would still do, and the last sync from the runtime status. Its JSON form is `status --json`.
///
/// A route is applied when the kernel holds every object its bindings ask for: it has at least one such object,
/// no operation of the plan serves it, and nothing of it is deferred, in conflict with a foreign object, or left
/// out by a binding problem. A route that no binding matches has no object at all, so it is not applied.
///
/// - Important: The JSON keys are an interface (scripts read them): `vpsId`, `lastSync`, `lastAttempt`,
///   `lastError`, `lastErrorCode`, `inSync`, `routes` (`id`, `prefix`, `label`, `applied`,
///   `awaitingRemovalSince`), `pendingOperations`, `refusals`, `problems`. Add keys; do not rename or drop them.
public struct StatusReport: Encodable, Sendable, Equatable {
    /// This VPS's id, once known.
    public var vpsId: String?
    /// When the last valid answer was applied.
    public var lastSync: Date?
    /// When the last fetch was attempted.
    public var lastAttempt: Date?
    /// The last step's failure, readable; `nil` after a clean sync.
    public var lastError: String?
    /// The last step's failure as a code (``RuntimeStatus/Failure/Code`` raw values).
    public var lastErrorCode: String?
    /// Whether nothing is left to do: no pending operation and no problem (deferral, conflict, binding problem).
    public var inSync: Bool
    /// The remembered routes, in the order of the state file.
    public var routes: [RouteStatus]
    /// What a reconcile would change now, as `ip` and `sysctl` lines.
    public var pendingOperations: [String]
    /// Routes of the last valid answer that failed validation, as lines.
    public var refusals: [String]
    /// Binding problems, deferrals and conflicts, as lines.
    public var problems: [String]

    /// One remembered route.
    public struct RouteStatus: Encodable, Sendable, Equatable {
        /// The API's route id.
        public var id: String
        /// The routed prefix, RFC 5952 text.
        public var prefix: String
        /// The API's label.
        public var label: String?
        /// Whether the kernel holds every object the route's bindings ask for.
        public var applied: Bool
        /// When an answer first no longer listed the route; it is removed once a second one confirms.
        public var awaitingRemovalSince: Date?
    }

    /// The report for a dry-run reconcile of `state`'s routes and the last runtime status.
    ///
    /// - Parameters:
    ///   - reconciled: A dry run (``Agent/reconcile(dryRun:routes:quiet:)``) of the remembered routes.
    ///   - state: The remembered state the dry run was made from.
    ///   - runtime: The runtime status; an empty one when none was written since boot.
    public init(reconciled: Agent.Reconciled, state: PersistedState, runtime: RuntimeStatus) {
        let plan = reconciled.plan
        let held = Set(
            reconciled.desired.addresses.compactMap(\.routeID) + reconciled.desired.routes.compactMap(\.routeID))
        let unfinished = Set(
            plan.operations.compactMap { plan.routeIDs[$0] } + plan.deferred.compactMap(\.routeID)
                + plan.conflicts.compactMap(\.routeID) + reconciled.problems.map(\.routeID))
        vpsId = state.vpsID
        lastSync = runtime.lastSync
        lastAttempt = runtime.lastAttempt
        lastError = runtime.lastError?.message
        lastErrorCode = runtime.lastError?.code
        routes = state.routes.map { route in
            RouteStatus(
                id: route.id, prefix: "\(route.prefix)", label: route.label,
                applied: held.contains(route.id) && !unfinished.contains(route.id),
                awaitingRemovalSince: route.missingSince)
        }
        pendingOperations = plan.operations.map(\.description)
        refusals = runtime.refusals.map(\.description)
        problems =
            reconciled.problems.map(\.description) + plan.deferred.map(\.description)
            + plan.conflicts.map(\.description)
        inSync = pendingOperations.isEmpty && problems.isEmpty
    }

    /// The `status --json` document: keys sorted, dates in ISO 8601, pretty-printed.
    ///
    /// - Throws: `EncodingError` (not expected: every field encodes).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
