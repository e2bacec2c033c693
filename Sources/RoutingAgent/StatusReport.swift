import FoundationEssentials
import Netlink
import Reconciliation
import SystemPackage

/// What the agent says about its routes: per route, what the binding wants, what the kernel holds (each object)
/// and, when something is missing, why. The one computation behind `hostup-routed status` (and its `--json`
/// document), the daemon's `STATUS=` line (``Agent/statusLine(_:)``) and `routes create --wait`
/// (``DaemonApply``).
///
/// It is made from a reconcile (``Agent/reconcile(dryRun:routes:quiet:)``): a dry run (`status`,
/// `routes create`) says what the kernel lacks now; a real one (the daemon) says what it holds after the plan was
/// applied, and which operations the kernel refused, with their errno.
///
/// A route is applied when the kernel holds every object its bindings ask for: it has at least one such object,
/// none is pending, deferred, in conflict with a foreign object or refused by the kernel, and no binding problem
/// concerns it. A route that no binding matches has no object at all, so it is not applied.
///
/// - Important: The JSON form (``json()``) is an interface that scripts read, described field by field in
///   docs/status-json.md. Its ``schemaVersion`` is ``currentSchemaVersion``; keys may be added within a version,
///   none is renamed, dropped or changes meaning without a new version.
public struct StatusReport: Codable, Sendable, Equatable {
    /// The version of the JSON document's layout: 1.
    public static let currentSchemaVersion = 1

    /// The layout of this document (``currentSchemaVersion`` when made by this version).
    public var schemaVersion: Int
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
    /// How many routes are in each ``RouteState``.
    public var summary: Summary
    /// The remembered routes, in the order of the state file, then the routes of the last answer that the agent
    /// refused and does not hold.
    public var routes: [RouteStatus]
    /// What a reconcile would change now, as `ip` and `sysctl` lines (after a real reconcile: what it failed to
    /// change).
    public var pendingOperations: [String]
    /// Routes of the last valid answer that failed validation, as lines.
    public var refusals: [String]
    /// Binding problems, deferrals and conflicts, as the planner's lines (`# deferred: ...`, `# conflict: ...`).
    public var problems: [String]
    /// The deferrals and conflicts that concern no single route (forwarding waiting for the uplink), readable
    /// (`deferred: ...`, without the planner's `# ` comment mark).
    public var otherProblems: [String]
    /// Why `state.json` cannot be read, when it cannot (`status` while the daemon runs leaves it in place): the
    /// routes are what still reads of it, and no plan is given (``pendingOperations`` is empty, ``inSync`` false),
    /// since one made from a partial state would be wrong. `nil` (absent in JSON) when the state file reads.
    public var stateUnreadable: String?

    /// Where a route stands, worst first when several apply.
    public enum RouteState: String, Codable, Sendable, CaseIterable {
        /// The validator refused the route in the last answer, and the agent holds no form of it.
        case refused
        /// The kernel refused an operation for one of its objects (see the object's `errno`).
        case kernelError = "kernel-error"
        /// An object is in the place of one of its objects, not made by the agent; it is left alone.
        case conflict
        /// A binding cannot apply to it (none matches, a split that does not fit, an interface not given).
        case bindingProblem = "binding-problem"
        /// An object waits for something: its interface to appear, or the uplink before forwarding.
        case deferred
        /// The kernel lacks an object, or holds it differently; the next reconcile changes it.
        case pending
        /// The kernel holds every object.
        case applied
    }

    /// Where one kernel object stands.
    public enum ObjectState: String, Codable, Sendable, CaseIterable {
        /// The kernel holds it as wanted.
        case held
        /// The kernel lacks it or holds it differently; the next reconcile adds or changes it.
        case pending
        /// It waits for its interface (or the uplink); retried on every reconcile.
        case deferred
        /// A foreign object (not made by the agent) has its place; left alone.
        case conflict
        /// The kernel refused the operation that makes it.
        case kernelError = "kernel-error"
    }

    /// How many routes are in each state.
    public struct Summary: Codable, Sendable, Equatable {
        public var routes = 0
        public var applied = 0
        public var pending = 0
        public var deferred = 0
        public var conflict = 0
        public var kernelError = 0
        public var bindingProblem = 0
        public var refused = 0

        public init() {}

        /// Each ``RouteState`` with its count, worst first: the metrics textfile's `state` label values.
        public var byState: [(state: RouteState, count: Int)] {
            RouteState.allCases.map { state in
                switch state {
                case .refused: (state, refused)
                case .kernelError: (state, kernelError)
                case .conflict: (state, conflict)
                case .bindingProblem: (state, bindingProblem)
                case .deferred: (state, deferred)
                case .pending: (state, pending)
                case .applied: (state, applied)
                }
            }
        }

        mutating func count(_ state: RouteState) {
            routes += 1
            switch state {
            case .applied: applied += 1
            case .pending: pending += 1
            case .deferred: deferred += 1
            case .conflict: conflict += 1
            case .kernelError: kernelError += 1
            case .bindingProblem: bindingProblem += 1
            case .refused: refused += 1
            }
        }
    }

    /// One kernel object a route's binding asks for.
    public struct KernelObject: Codable, Sendable, Equatable {
        /// What kind of object.
        public enum Kind: String, Codable, Sendable, CaseIterable {
            /// An address (`ip -6 address`): `P::1/128` on `lo` for `anyip`, `P+host/len` for `address`.
            case address
            /// `local P dev lo table local` (`anyip`).
            case localRoute = "local-route"
            /// `unreachable P metric 4294967295`, which every binding adds so that nothing of P leaves by the
            /// default route.
            case unreachableRoute = "unreachable-route"
            /// `P dev IF` (`route`).
            case route
            /// `net.ipv6.conf.all.forwarding=1` (a binding with `forwarding = true`).
            case forwarding
        }

        public var kind: Kind
        /// The object as `ip` shows it, e.g. `2001:db8:1000:10::1/128 dev lo`, `local 2001:db8:1000:10::/64 dev
        /// lo table local`, or the sysctl line.
        public var object: String
        /// Its interface, when it has one.
        public var interface: String?
        public var state: ObjectState
        /// Why it is not held: the missing interface, the foreign object in the way, the kernel's error.
        public var reason: String?
        /// For ``ObjectState/kernelError``: the errno the kernel answered with (e.g. 1 for `EPERM`).
        public var errno: Int32?
    }

    /// One route.
    public struct RouteStatus: Codable, Sendable, Equatable {
        /// The API's route id.
        public var id: String
        /// The routed prefix, RFC 5952 text.
        public var prefix: String
        /// The API's label.
        public var label: String?
        /// Whether the kernel holds every object the route's bindings ask for (``state`` is
        /// ``RouteState/applied``).
        public var applied: Bool
        /// When an answer first no longer listed the route; it is removed once a second one confirms.
        public var awaitingRemovalSince: Date?
        public var state: RouteState
        /// The bindings that apply to it, in config syntax (`bindings[0]: match = "*", mode = "anyip"`); empty
        /// when none matches.
        public var bindings: [String]
        /// What those bindings ask of the kernel, each with where it stands.
        public var objects: [KernelObject]
        /// Why it is not applied, one readable line each; empty when applied.
        public var reasons: [String]
    }

    /// The report for a reconcile of `state`'s routes and the last runtime status.
    ///
    /// - Parameters:
    ///   - reconciled: A reconcile of the remembered routes: a dry run (`status`) or the daemon's last one.
    ///   - state: The remembered state the reconcile was made from.
    ///   - runtime: The runtime status; an empty one when none was written since boot.
    ///   - stateUnreadable: Why the state file cannot be read (``Agent/stateWarning``), if it cannot.
    public init(
        reconciled: Agent.Reconciled, state: PersistedState, runtime: RuntimeStatus, stateUnreadable: String? = nil
    ) {
        let plan = reconciled.plan
        schemaVersion = Self.currentSchemaVersion
        vpsId = state.vpsID
        lastSync = runtime.lastSync
        lastAttempt = runtime.lastAttempt
        lastError = runtime.lastError?.message
        lastErrorCode = runtime.lastError?.code
        let judge = ObjectJudge(reconciled: reconciled, lastFailures: runtime.kernelFailures ?? [])
        routes = state.routes.map { route in
            judge.status(
                of: route, problems: reconciled.problems.filter { $0.routeID == route.id },
                refusal: runtime.refusals.first { $0.routeID == route.id })
        }
        let held = Set(state.routes.map(\.id))
        for refusal in runtime.refusals where !held.contains(refusal.routeID) {
            routes.append(
                RouteStatus(
                    id: refusal.routeID, prefix: "\(refusal.prefix)", label: nil, applied: false,
                    awaitingRemovalSince: nil, state: .refused, bindings: [], objects: [],
                    reasons: ["refused: \(refusal.reason)"]))
        }
        summary = Summary()
        for route in routes { summary.count(route.state) }
        if let report = reconciled.report {
            let done = Set(report.applied + report.alreadyDone)
            pendingOperations = plan.operations.filter { !done.contains($0) }.map(\.description)
        } else {
            pendingOperations = plan.operations.map(\.description)
        }
        refusals = runtime.refusals.map(\.description)
        problems =
            reconciled.problems.map(\.description) + plan.deferred.map(\.description)
            + plan.conflicts.map(\.description)
        otherProblems =
            (plan.deferred.filter { $0.routeID == nil }.map(\.description)
            + plan.conflicts.filter { $0.routeID == nil }.map(\.description)).map {
                $0.hasPrefix("# ") ? String($0.dropFirst(2)) : $0
            }
        self.stateUnreadable = stateUnreadable
        if stateUnreadable != nil { pendingOperations = [] }
        inSync = pendingOperations.isEmpty && problems.isEmpty && stateUnreadable == nil
    }

    /// The status of route `id`, if the report has it.
    public func route(id: String) -> RouteStatus? {
        routes.first { $0.id == id }
    }

    /// "3 routes: 2 applied, 1 deferred (deferred: route 2001:db8:1000:20::/64 dev wg0: wg0 not found)".
    public var summaryLine: String {
        summary.routes == 0 ? routeCount : "\(routeCount): \(stateCounts)"
    }

    /// "1 route", "3 routes".
    public var routeCount: String {
        summary.routes == 1 ? "1 route" : "\(summary.routes) routes"
    }

    /// The routes by state, best first, the first reason of each state that is not applied in parentheses:
    /// "2 applied, 1 deferred (deferred: route 2001:db8:1000:20::/64 dev wg0: wg0 not found)".
    public var stateCounts: String {
        var parts: [String] = []
        for state in RouteState.allCases.reversed() {
            let count = routes.filter { $0.state == state }.count
            guard count > 0 else { continue }
            var part = "\(count) \(state.rawValue)"
            if state != .applied, let reason = routes.first(where: { $0.state == state })?.reasons.first {
                part += " (\(reason))"
            }
            parts.append(part)
        }
        return parts.joined(separator: ", ")
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

    /// Reads a document made by ``json()``.
    ///
    /// - Throws: `DecodingError` when `text` is not such a document.
    public static func decode(json text: String) throws -> StatusReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(StatusReport.self, from: Data(text.utf8))
    }
}

/// Decides where each wanted object stands, from the plan (and, after a real reconcile, its execution report).
private struct ObjectJudge {
    let reconciled: Agent.Reconciled
    /// The wanted objects by route id, in the desired state's order (addresses, then routes).
    private let wantedByRoute: [String: [DesiredObject]]
    /// The first deferral and the first conflict of each wanted object.
    private let deferrals: [DesiredObject: Deferral]
    private let conflicts: [DesiredObject: Conflict]
    /// The plan's operations by the object they make (``key(of:)-swift.type.method``), in the plan's order.
    private let operationsByObject: [ObjectKey: [PlanOperation]]
    /// The operations the kernel took (or found done), and the first failure of each operation.
    private let done: Set<PlanOperation>
    private let failures: [PlanOperation: ExecutionReport.Failure]
    /// For a dry run: the operations the kernel refused in the last real reconcile (the runtime status's), by their
    /// text.
    private let lastFailures: [String: RuntimeStatus.KernelFailure]

    // NOTE: Indexed once, so a report is linear in the routes: filtering the desired state and the plan for each
    // route and object made it quadratic (100 ms at 256 routes, seconds at 4 096).
    init(reconciled: Agent.Reconciled, lastFailures: [RuntimeStatus.KernelFailure]) {
        self.reconciled = reconciled
        self.lastFailures = Dictionary(lastFailures.map { ($0.operation, $0) }, uniquingKeysWith: { first, _ in first })
        var wanted: [String: [DesiredObject]] = [:]
        for address in reconciled.desired.addresses {
            if let id = address.routeID { wanted[id, default: []].append(.address(address)) }
        }
        for route in reconciled.desired.routes {
            if let id = route.routeID { wanted[id, default: []].append(.route(route)) }
        }
        wantedByRoute = wanted
        var deferrals: [DesiredObject: Deferral] = [:]
        for deferral in reconciled.plan.deferred {
            if let object = deferral.wanted, deferrals[object] == nil { deferrals[object] = deferral }
        }
        self.deferrals = deferrals
        var conflicts: [DesiredObject: Conflict] = [:]
        for conflict in reconciled.plan.conflicts {
            if let object = conflict.wanted, conflicts[object] == nil { conflicts[object] = conflict }
        }
        self.conflicts = conflicts
        var operations: [ObjectKey: [PlanOperation]] = [:]
        for operation in reconciled.plan.operations {
            if let key = Self.key(of: operation) { operations[key, default: []].append(operation) }
        }
        operationsByObject = operations
        done = Set((reconciled.report?.applied ?? []) + (reconciled.report?.alreadyDone ?? []))
        var failures: [PlanOperation: ExecutionReport.Failure] = [:]
        for failure in reconciled.report?.failed ?? [] where failures[failure.operation] == nil {
            failures[failure.operation] = failure
        }
        self.failures = failures
    }

    func status(of route: AppliedRoute, problems: [BindingProblem], refusal: RouteRefusal?) -> StatusReport.RouteStatus {
        let desired = reconciled.desired
        var wanted = wantedByRoute[route.id] ?? []
        let bindings = Self.bindings(for: route, in: reconciled.bindings)
        if desired.forwarding, bindings.contains(where: { $0.binding.forwarding }) { wanted.append(.forwarding) }
        let objects = wanted.map(judge)
        var reasons: [String] = []
        for object in objects where object.state != .held {
            reasons.append("\(object.state.rawValue): \(object.object)" + (object.reason.map { ": \($0)" } ?? ""))
        }
        reasons += problems.map { "binding problem: \($0.reason)" + ($0.prefix == route.prefix ? "" : " (\($0.prefix))") }
        if let refusal {
            reasons.append("the last answer's form was refused (\(refusal.reason)); the last good form is kept")
        }
        let states = Set(objects.map(\.state))
        let state: StatusReport.RouteState =
            if states.contains(.kernelError) { .kernelError }
            else if states.contains(.conflict) { .conflict }
            else if !problems.isEmpty || objects.isEmpty { .bindingProblem }
            else if states.contains(.deferred) { .deferred }
            else if states.contains(.pending) { .pending }
            else { .applied }
        if objects.isEmpty, problems.isEmpty { reasons.append("binding problem: no binding matches") }
        return StatusReport.RouteStatus(
            id: route.id, prefix: "\(route.prefix)", label: route.label, applied: state == .applied,
            awaitingRemovalSince: route.missingSince, state: state,
            bindings: bindings.map { "bindings[\($0.index)]: \($0.binding.configText)" }, objects: objects,
            reasons: reasons)
    }

    /// The configured bindings that apply to `route` (as ``DesiredStateBuilder`` chooses them), with their index;
    /// `bindings[-]` stands for the implied `anyip` binding of a config without bindings.
    static func bindings(for route: AppliedRoute, in configured: [Binding]) -> [(index: String, binding: Binding)] {
        guard !configured.isEmpty else { return [("-", Binding(match: "*", mode: .anyip))] }
        let matching = configured.enumerated().filter { $0.element.matches(route.routedPrefix) }
        guard let first = matching.first else { return [] }
        guard let split = first.element.split else { return [("\(first.offset)", first.element)] }
        return matching.filter { $0.element.split == split }.map { ("\($0.offset)", $0.element) }
    }

    func judge(_ object: DesiredObject) -> StatusReport.KernelObject {
        let plan = reconciled.plan
        var result: StatusReport.KernelObject
        switch object {
        case .address(let address):
            result = .init(
                kind: .address, object: "\(address.address)/\(address.prefixLength) dev \(address.interface)",
                interface: address.interface, state: .held)
        case .route(let route):
            let kind: StatusReport.KernelObject.Kind =
                route.type == .local ? .localRoute : route.type == .unreachable ? .unreachableRoute : .route
            var words = route.type == .unicast ? [] : ["\(route.type)"]
            words.append("\(route.destination)")
            if let interface = route.interface { words += ["dev", interface] }
            if route.table != .main { words += ["table", "\(route.table)"] }
            if route.effectiveMetric != DesiredRoute.defaultMetric { words += ["metric", "\(route.effectiveMetric)"] }
            result = .init(kind: kind, object: words.joined(separator: " "), interface: route.interface, state: .held)
        case .forwarding:
            result = .init(kind: .forwarding, object: "net.ipv6.conf.all.forwarding=1", state: .held)
        }
        if let deferral = deferrals[object] {
            result.state = .deferred
            result.reason = "\(deferral.interface) not found"
            return result
        }
        if let conflict = conflicts[object] {
            result.state = .conflict
            result.reason = "\(conflict.existing) is in the way, left alone"
            return result
        }
        let operations = operationsByObject[Self.key(of: object)] ?? []
        guard !operations.isEmpty else { return result }
        guard let report = reconciled.report else {
            // A dry run: the operation the kernel refused in the last real reconcile is still wanted, so the next
            // one most likely fails the same way; say so, with that errno, rather than "pending".
            if let failure = operations.lazy.compactMap({ self.lastFailures[$0.description] }).first {
                result.state = .kernelError
                result.reason = "\(failure.operation): \(failure.message)"
                result.errno = failure.errno
                return result
            }
            result.state = .pending
            result.reason = "a reconcile would run: " + operations.map(\.description).joined(separator: "; ")
            return result
        }
        if let failure = operations.lazy.compactMap({ failures[$0] }).first {
            result.state = .kernelError
            result.reason = "\(failure.operation): \(failure.error)"
            result.errno = failure.error.errno?.rawValue
            return result
        }
        if !operations.allSatisfy(done.contains) {
            result.state = .pending
            result.reason = "not applied yet"
        }
        return result
    }

    /// What identifies an object to the planner: interface and address for addresses; table, destination and metric
    /// for routes; `all.forwarding` for forwarding.
    enum ObjectKey: Hashable {
        case address(String, interface: String)
        case route(table: String, destination: String, metric: UInt32?)
        case forwarding
    }

    static func key(of object: DesiredObject) -> ObjectKey {
        switch object {
        case .address(let wanted): .address("\(wanted.address)", interface: wanted.interface)
        case .route(let wanted):
            .route(table: "\(wanted.table)", destination: "\(wanted.destination)", metric: wanted.effectiveMetric)
        case .forwarding: .forwarding
        }
    }

    /// The object `operation` adds or changes, as ``key(of:)-swift.type.method`` names it; `nil` for one that makes
    /// no wanted object (a removal of a route, another sysctl).
    static func key(of operation: PlanOperation) -> ObjectKey? {
        switch operation {
        case .addAddress(let address, let interface), .replaceAddress(let address, let interface),
            .removeAddress(let address, let interface):
            return .address("\(address.address)", interface: interface)
        case .addRoute(let route, _), .replaceRoute(let route, _):
            return .route(table: "\(route.table)", destination: "\(route.destination)", metric: route.metric)
        case .setSysctl(let name, let interface, let value):
            return name == .forwarding && interface == "all" && value == 1 ? .forwarding : nil
        default:
            return nil
        }
    }
}
