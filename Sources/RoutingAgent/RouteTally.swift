import Reconciliation

extension RuntimeStatus {
    /// How many routes are in each state after a reconcile: each remembered route counts once, in the first state
    /// that fits it (in the order of the properties), and the routes validation refused are counted beside them.
    ///
    /// The metrics textfile (``MetricsTextfile``) shows these as `hostup_routed_routes{state="…"}`.
    public struct RouteTally: Codable, Sendable, Equatable {
        /// Routes the API no longer lists, kept until a second answer confirms (``Agent/removalConfirmationDelay``).
        public var removalPending = 0
        /// Routes no binding can serve (no binding matches, or the binding cannot hold the prefix).
        public var unbound = 0
        /// Routes an operation of which the kernel refused (the error and errno are in the log).
        public var failed = 0
        /// Routes an object of which conflicts with one the agent does not own (made by hand or by another tool).
        public var conflict = 0
        /// Routes an object of which waits for something, such as an interface that does not exist yet.
        public var deferred = 0
        /// Routes whose objects the kernel holds, all of them.
        public var applied = 0
        /// Routes the last valid answer listed for this VPS that validation refused (``RuntimeStatus/refusals``).
        public var refused = 0

        public init() {}

        /// Tallies `routes` after a reconcile that ran `plan` (with `report`, `nil` for a dry run) and found
        /// `problems`; `refused` is the number of routes validation refused.
        public init(
            routes: [AppliedRoute], plan: Plan, report: ExecutionReport?, problems: [BindingProblem],
            refused: Int
        ) {
            let failedIDs = Set((report?.failed ?? []).compactMap { plan.routeIDs[$0.operation] })
            let conflictIDs = Set(plan.conflicts.compactMap(\.routeID))
            let deferredIDs = Set(plan.deferred.compactMap(\.routeID))
            let unboundIDs = Set(problems.map(\.routeID))
            for route in routes {
                if route.missingSince != nil {
                    removalPending += 1
                } else if unboundIDs.contains(route.id) {
                    unbound += 1
                } else if failedIDs.contains(route.id) {
                    failed += 1
                } else if conflictIDs.contains(route.id) {
                    conflict += 1
                } else if deferredIDs.contains(route.id) {
                    deferred += 1
                } else {
                    applied += 1
                }
            }
            self.refused = refused
        }

        /// Each state with its count, as the `state` label's values: `applied`, `deferred`, `conflict`, `failed`,
        /// `unbound`, `removal_pending`, `refused`.
        public var byState: [(state: String, count: Int)] {
            [
                ("applied", applied), ("deferred", deferred), ("conflict", conflict), ("failed", failed),
                ("unbound", unbound), ("removal_pending", removalPending), ("refused", refused),
            ]
        }
    }
}
