import FoundationEssentials
import HostUpAPI
import IPv6Addressing
import Logging
import Netlink
import Reconciliation
import SystemPackage

/// The agent's work, one step at a time: fetch the API's state, validate it, reconcile the kernel, remember.
///
/// `sync` and the daemon's poll loop (``PollService``) both drive it. It is an actor: one step at a time, so the
/// state it keeps (the last valid routes, routes awaiting a confirmed removal, ownership) is never raced.
///
/// - Important: Fail static. A fetch that fails, or an answer that does not decode, changes nothing in the kernel
///   and nothing in `routes`. A route is removed only after two valid answers, at least
///   ``removalConfirmationDelay`` apart, both no longer list it.
public actor Agent {
    /// How long a second valid answer must come after the first one that no longer lists a route, before that
    /// route is removed. 2 seconds (DESIGN.md "Fail static").
    public static let removalConfirmationDelay: Duration = .seconds(2)

    /// The configuration in force; replaced by ``reload(configuration:client:)``.
    public private(set) var configuration: AgentConfiguration
    private var client: HostUpClient?
    private let kernel: any NetworkKernel
    private let store: StateStore
    private var logger: Logger
    private let localAddresses: @Sendable () -> IdentityResolver.LocalAddresses
    private let now: @Sendable () -> Date
    private let networkdLinks: String
    /// Never writes `state.json` or the runtime status (see `readOnly` of ``init(configuration:client:kernel:store:logger:localAddresses:now:networkdLinks:runtimeStore:readOnly:)``).
    private let readOnly: Bool

    /// Why the state file could not be read, for an agent made `readOnly` (which leaves the file as it is).
    public private(set) var stateWarning: String?
    /// The remembered state; `state.json` is written when it changes, and only then.
    public private(set) var state: PersistedState
    /// What `state.json` holds now (as loaded or last written).
    private var stored: PersistedState
    /// The state file's identity when the agent last read or wrote it (``save()`` notices another writer).
    private var storedFile: StateStore.FileIdentity?
    /// What the agent did lately (steps, last sync, last error as a code, counters); see ``RuntimeStatus``.
    public private(set) var runtime: RuntimeStatus
    private let runtimeStore: RuntimeStatusStore?
    /// The kernel as the monitor's announcements tell it (the daemon); `nil` for one-shot commands, which dump.
    private var mirror: KernelMirror? {
        didSet { mirrorView = nil }
    }
    /// ``KernelMirror/observe()`` of the mirror as it is, kept until the mirror changes (polls read it again and
    /// again while nothing changes).
    private var mirrorView: ObservedState?
    /// A one-shot command's dump, taken by ``fetch()`` and used by the ``reconcile(dryRun:routes:)`` that follows,
    /// so that `sync` dumps the kernel once.
    private var snapshot: ObservedState?
    /// What the last reconcile converged to, against which kernel changes are judged (``absorb(kernelEvent:)``).
    private var desired: DesiredState?
    /// The last identification: the answer it was made from and the VPS id it found.
    private var identified: (document: RoutedIPv6State, vpsID: String)?
    private var runtimeWriteFailed = false
    private var metricsWriteFailed = false
    /// The input of the last reconcile that left the kernel converged, while the mirror holds it, and the sysctls
    /// it left.
    private var converged: (input: ConvergenceInput, sysctls: SysctlInput)?
    private var etag: String?
    private var lastDocument: RoutedIPv6State?
    /// The body ``lastDocument`` was decoded from: an identical body is not decoded again.
    private var lastBody: [UInt8]?
    /// The last validation, reused while the answer and the rules are the same.
    private var lastValidation: (validator: RouteValidator, outcome: RouteValidator.Outcome)?
    private var loggedRefusals: Set<String> = []
    /// The interfaces the last reconcile put objects on, for the status line.
    private var interfaces: [String] = []
    private var lastReconcileFailed = false
    private var reportedProblems: Set<String> = []
    /// Routes ("id prefix") announced as applied while the kernel keeps holding them.
    private var announced: Set<String> = []
    /// The last reconcile of the remembered routes that was applied, for ``statusReport()``.
    private var lastReconciled: Reconciled?
    /// The ``StatusReport`` of ``lastReconciled``, made once per reconcile: the `STATUS=` line after every poll reads
    /// its routes (rebuilding it per poll cost 100 ms at 256 routes).
    private var lastReconciledReport: StatusReport?

    /// Creates the agent and loads `state.json`.
    ///
    /// - Parameters:
    ///   - client: The API client, or `nil` for commands that only use the cache (`cleanup`, `status`).
    ///   - kernel: Where plans are applied (``RTNetlinkKernel`` in production).
    ///   - networkdLinks: systemd-networkd's per-link state files. Defaults to `/run/systemd/netif/links`.
    ///   - readOnly: For commands that only report (`status`, `routes create` waiting for the daemon): an unreadable
    ///     state file is read as far as it goes and left where it is, with ``stateWarning`` saying so; the agent
    ///     must then not reconcile other than as a dry run. Defaults to `false`.
    /// - Throws: ``StateStore/Error`` when an unreadable state file cannot even be set aside.
    public init(
        configuration: AgentConfiguration,
        client: HostUpClient?,
        kernel: any NetworkKernel,
        store: StateStore,
        logger: Logger,
        localAddresses: @escaping @Sendable () -> IdentityResolver.LocalAddresses = { .current() },
        now: @escaping @Sendable () -> Date = { Date() },
        networkdLinks: String = "/run/systemd/netif/links",
        runtimeStore: RuntimeStatusStore? = nil,
        readOnly: Bool = false
    ) throws {
        self.readOnly = readOnly
        self.networkdLinks = networkdLinks
        self.runtimeStore = runtimeStore
        // What the last run (since boot: the runtime directory is a tmpfs) knew goes on: the last sync stays
        // known across a restart, and the step count keeps growing, so that `sync` waiting for it to grow is not
        // fooled by a daemon that restarted. The counters are this run's.
        var runtime = runtimeStore?.load() ?? RuntimeStatus()
        runtime.counters = RuntimeStatus.Counters()
        self.runtime = runtime
        self.configuration = configuration
        self.client = client
        self.kernel = kernel
        self.store = store
        self.logger = logger
        self.localAddresses = localAddresses
        self.now = now
        do {
            self.state = try store.load()
            self.stored = state
            self.storedFile = store.identity()
        } catch {
            // A state file that cannot be read (damaged, or written by a newer version) must not disable the agent,
            // nor make it forget what it set: what still reads of it (routes, sysctl originals, owned addresses for
            // kernels without IFA_PROTO, the uplink) is kept, the file is set aside, and until two valid answers
            // confirm what is routed here nothing is removed.
            var salvaged = PersistedState.salvage(store.contents() ?? [])
            if readOnly {
                // The daemon (or the next `sync`) sets it aside; a command that only reports changes nothing.
                self.state = salvaged
                self.stored = salvaged
                if (error as? StateStore.Error)?.permissionDenied == true {
                    self.stateWarning = "\(error): run it as root (sudo), which the state file is written by"
                } else {
                    self.stateWarning =
                        "\(error); showing what still reads of it (\(salvaged.routes.count) routes); the daemon sets "
                        + "it aside and writes it again at its next poll, or run `hostup-routed sync`"
                }
                return
            }
            let aside = try store.setAside()
            salvaged.recovery = PersistedState.Recovery(since: now())
            let kept = "\(salvaged.routes.count) routes, \(salvaged.savedSysctls.count) saved sysctls"
            logger.error(
                "\(error); moved it to \(aside) and kept what still reads of it (\(kept)); nothing is removed until two answers confirm")
            self.state = salvaged
            self.stored = PersistedState()
        }
        if let vpsID = state.vpsID { self.logger[metadataKey: LogKeys.vpsID] = "\(vpsID)" }
    }

    // MARK: - Fetching

    /// A valid answer: this VPS's id and its validated routes.
    public struct Answer: Sendable {
        public var vpsID: String
        public var outcome: RouteValidator.Outcome
        public var document: RoutedIPv6State
    }

    /// Fetches `GET /api/v2/routed-ipv6` (with `If-None-Match` when an `ETag` came back) and validates it.
    ///
    /// - Throws: ``HostUpAPIError`` for transport, HTTP and decoding failures; ``IdentityResolver/Failure`` when
    ///   the VPS cannot be identified. Either way nothing is changed.
    public func fetch() async throws -> Answer {
        guard let client else { preconditionFailure("Agent.fetch() needs a client") }
        runtime.lastAttempt = now()
        let document: RoutedIPv6State
        let unchanged: Bool
        switch try await client.routedIPv6State(
            ifNoneMatch: lastDocument == nil ? nil : etag, previousBody: lastDocument == nil ? nil : lastBody)
        {
        case .modified(let fresh, let newTag, let body):
            document = fresh
            etag = newTag
            lastDocument = fresh
            lastBody = body
            unchanged = false
        case .notModified, .unchanged:
            guard let cached = lastDocument else {
                throw HostUpAPIError(code: .httpStatus, message: "304 Not Modified without a cached answer", status: 304)
            }
            document = cached
            unchanged = true
        }
        let vpsID: String
        if let configured = configuration.vpsID {
            // NOTE: No getifaddrs(3) for a configured id: it was a quarter of the CPU of a no-op poll.
            vpsID = configured
        } else if let identified, identified.document == document {
            // The same answer identifies the same VPS: getifaddrs(3) (a netlink dump) is not repeated.
            vpsID = identified.vpsID
        } else {
            vpsID = try IdentityResolver.resolve(
                configured: configuration.vpsID, document: document, local: localAddresses())
            identified = (document, vpsID)
        }
        if state.vpsID != vpsID {
            state.vpsID = vpsID
            logger[metadataKey: LogKeys.vpsID] = "\(vpsID)"
        }
        let observed = try? (snapshot ?? observeKernel())
        if mirror == nil { snapshot = observed }
        var protected = observed.map(protectedAddresses(in:)) ?? []
        let host = APIEndpoint.host(of: configuration.apiURL) ?? configuration.apiURL
        for address in await APIEndpoint.ipv6Addresses(of: configuration.apiURL, patience: .seconds(2)) {
            protected.append(.init(address, role: "an address of the API host \(host)"))
        }
        let validator = RouteValidator(
            vpsID: vpsID, uplinkPrefixes: observed.map(uplinkPrefixes(in:)) ?? [], protectedAddresses: protected)
        let outcome: RouteValidator.Outcome
        if unchanged, let last = lastValidation, last.validator == validator {
            // The same answer judged by the same rules: the same outcome.
            outcome = last.outcome
        } else {
            outcome = validator.validate(document)
            lastValidation = (validator, outcome)
        }
        for entry in outcome.undecoded where loggedRefusals.insert(entry.description).inserted {
            logger.warning(
                "\(entry); skipped",
                metadata: entry.id.map { [LogKeys.routeID: "\($0)"] } ?? [:])
        }
        for refusal in outcome.refusals where loggedRefusals.insert(refusal.description).inserted {
            logger.warning(
                "\(refusal)",
                metadata: [
                    LogKeys.event: "\(AgentEvent.routeRefused.rawValue)", LogKeys.routeID: "\(refusal.routeID)",
                    LogKeys.prefix: "\(refusal.prefix)",
                ])
        }
        return Answer(vpsID: vpsID, outcome: outcome, document: document)
    }

    /// Merges a valid answer into the remembered routes.
    ///
    /// A route the answer no longer lists is kept, marked missing; it is dropped when a later valid answer, at
    /// least ``removalConfirmationDelay`` after the first, still does not list it. A listed route that was
    /// refused by validation keeps its last good form: one odd answer never tears anything down. So does a route
    /// that did not decode and could be this VPS's (its id is applied, or its `vpsId` is ours; when neither can
    /// be read, every route not listed is kept).
    ///
    /// - Returns: The number of routes still awaiting a confirming answer.
    @discardableResult
    public func absorb(_ answer: Answer) -> Int {
        let time = now()
        let held = answer.outcome.held(applied: Set(state.routes.map(\.id)), vpsID: answer.vpsID)
        var next: [AppliedRoute] = answer.outcome.routes.map {
            AppliedRoute(id: $0.id, prefix: $0.prefix, label: $0.label)
        }
        let listed = Set(next.map(\.id))
        for previous in state.routes where !listed.contains(previous.id) {
            if held.all || held.ids.contains(previous.id) {
                next.append(AppliedRoute(id: previous.id, prefix: previous.prefix, label: previous.label))
                continue
            }
            guard let since = previous.missingSince else {
                var pending = previous
                pending.missingSince = time
                next.append(pending)
                logger.info(
                    "route \(previous.id) (\(previous.prefix)) is no longer listed; removing it once a second answer confirms",
                    metadata: [LogKeys.routeID: "\(previous.id)", LogKeys.prefix: "\(previous.prefix)"])
                continue
            }
            let elapsed = time.timeIntervalSince(since)
            if elapsed < Double(Self.removalConfirmationDelay.components.seconds) {
                next.append(previous)
            } else {
                logger.notice(
                    "route \(previous.id) (\(previous.prefix)) removed by the API",
                    metadata: [
                        LogKeys.event: "\(AgentEvent.routeRemoved.rawValue)", LogKeys.routeID: "\(previous.id)",
                        LogKeys.prefix: "\(previous.prefix)",
                    ])
            }
        }
        let known = Set(state.routes.map { RouteKey(id: $0.id, prefix: $0.prefix) })
        for route in next where !known.contains(RouteKey(id: route.id, prefix: route.prefix)) {
            logger.info(
                "route \(route.id) (\(route.prefix)) is routed to this VPS",
                metadata: [LogKeys.routeID: "\(route.id)", LogKeys.prefix: "\(route.prefix)"])
        }
        state.routes = next
        runtime.refusals = answer.outcome.refusals
        if var recovery = state.recovery {
            if let first = recovery.firstAnswer {
                if time.timeIntervalSince(first) >= Double(Self.removalConfirmationDelay.components.seconds) {
                    state.recovery = nil
                    logger.notice("a second valid answer confirmed the state; removals resume")
                }
            } else {
                recovery.firstAnswer = time
                state.recovery = recovery
            }
        }
        return next.filter { $0.missingSince != nil }.count
    }

    private struct RouteKey: Hashable {
        var id: String
        var prefix: IPv6Prefix
    }

    /// The earliest time at which a second answer can confirm the pending removals, or `nil` if none is pending.
    public func confirmationDue() -> Date? {
        state.routes.compactMap(\.missingSince).min().map {
            $0.addingTimeInterval(Double(Self.removalConfirmationDelay.components.seconds))
        }
    }

    /// How long from now until a second answer can confirm the pending removals (zero when it already can), or
    /// `nil` if none is pending; measured with the agent's clock, as ``absorb(_:)`` measures.
    public func confirmationWait() -> Duration? {
        confirmationDue().map { .milliseconds(Int64(max(0, $0.timeIntervalSince(now())) * 1000)) }
    }

    // MARK: - Reconciling

    /// The result of one reconcile against the kernel.
    public struct Reconciled: Sendable {
        public var plan: Plan
        /// `nil` for a dry run.
        public var report: ExecutionReport?
        public var problems: [BindingProblem]
        /// What the routes and bindings ask of the kernel; the plan is its difference to what the kernel holds.
        public var desired: DesiredState
        /// The bindings the desired state was built with (the configuration's).
        public var bindings: [Binding] = []
    }

    /// Observes the kernel, plans the difference to the remembered routes under the configured bindings, and
    /// applies it (unless `dryRun`), then saves the state.
    ///
    /// - Parameters:
    ///   - routes: The routes to reconcile to; defaults to the remembered ones. `cleanup` passes `[]`.
    ///   - quiet: Log each applied operation at debug level, for a caller that logs one summary line (repairs).
    /// - Throws: ``NetlinkError`` when the kernel cannot be observed; ``StateStore/Error`` when the state cannot be
    ///   saved. Failed operations are not thrown: they are in the report.
    public func reconcile(dryRun: Bool = false, routes: [RoutedPrefix]? = nil, quiet: Bool = false) throws -> Reconciled {
        let observed = try snapshot ?? observeKernel()
        snapshot = nil
        let uplink = uplink(in: observed)
        let (desired, problems) = DesiredStateBuilder.build(
            routes: routes ?? state.routes.map(\.routedPrefix), bindings: configuration.bindings, uplink: uplink,
            nonlocalBind: configuration.nonlocalBind)
        let links = observed.links.map(\.name)
        let snapshot = SysctlSnapshot.read(
            from: kernel, desired: desired, saved: state.savedSysctls, interfaces: links,
            networkdManaged: networkdManaged(observed.links))
        var plan = Planner.plan(desired: desired, observed: observed, owned: state.ownership, sysctls: snapshot)
        // `cleanup` (explicit routes) is the admin's own teardown and removes what the agent owns even then.
        if state.recovery != nil, routes == nil {
            plan = Self.withoutRemovals(plan, saved: state.savedSysctls)
        }
        interfaces = Array(Set(desired.addresses.map(\.interface) + desired.routes.compactMap(\.interface))).sorted()
        guard !dryRun else {
            return Reconciled(
                plan: plan, report: nil, problems: problems, desired: desired, bindings: configuration.bindings)
        }
        if routes == nil { self.desired = desired }
        // Conflicts with hand-made objects, deferrals, notices and binding problems: logged once each while they
        // last.
        var current =
            plan.conflicts.map(\.description) + plan.deferred.map(\.description) + plan.notices
            + problems.map(\.description)
        if desired.forwarding, let uplink {
            if !links.contains(uplink) {
                current.append(
                    "# notice: the uplink \(uplink) does not exist; forwarding stays on. If the VPS's uplink has a new "
                        + "name, set `uplink` in the config: until its accept_ra is 2 it ignores router advertisements")
            } else if !hasDefaultRoute(uplink, in: observed) {
                current.append(
                    "# notice: the uplink \(uplink) has no IPv6 default route now; the agent keeps its accept_ra at 2 "
                        + "while forwarding, so the next router advertisement brings the route back")
            }
        }
        for line in current where !reportedProblems.contains(line) {
            logger.warning("\(line)")
        }
        reportedProblems = Set(current)
        if let uplink, links.contains(uplink) {
            state.uplink = uplink
        }
        // NOTE: the originals go to disk before the first sysctl write: a process killed right after that write
        // must still leave `cleanup` what to restore.
        if plan.savedSysctls != state.savedSysctls {
            state.savedSysctls = plan.savedSysctls
            try save()
        }
        let prefixes = Dictionary(state.routes.map { ($0.id, "\($0.prefix)") }, uniquingKeysWith: { first, _ in first })
        var executor = PlanExecutor(kernel: kernel, logger: logger, routePrefixes: prefixes)
        if quiet { executor.appliedLevel = .debug }
        let report = executor.apply(plan)
        state.ownership = report.ownership
        state.savedSysctls = report.savedSysctls
        if routes == nil {
            announceApplied(plan: plan, report: report, problems: problems)
        }
        lastReconcileFailed = !report.failed.isEmpty
        runtime.deferrals = plan.deferred.map(\.description)
        if routes == nil {
            // What `status` (another process, a dry run) needs to say kernel-error, with the errno.
            runtime.kernelFailures = report.failed.map {
                RuntimeStatus.KernelFailure(
                    operation: $0.operation.description, errno: $0.error.errno?.rawValue, message: "\($0.error)")
            }
        }
        if !lastReconcileFailed, runtime.lastError?.kind == .kernel {
            // The kernel took everything this time (a repair after the link came back): the error is over.
            runtime.lastError = nil
        }
        if lastReconcileFailed {
            runtime.counters.kernelErrors += report.failed.count
            runtime.counters.failures[RuntimeStatus.Failure.Code.kernel.rawValue, default: 0] += 1
            runtime.lastError = RuntimeStatus.Failure(
                .kernel, "kernel: " + report.failed.map { "\($0.operation): \($0.error)" }.joined(separator: "; "))
            // Each failed operation was logged as a kernel-error entry with its route, prefix and errno.
            logger.warning("\(report.failed.count) of \(plan.operations.count) operations failed")
        }
        try save()
        // With the mirror, a kernel change that matters wakes a repair, so a later poll with the same input has
        // nothing to do (a failed operation is retried at the next poll).
        converged = nil
        if mirror != nil, routes == nil, !lastReconcileFailed {
            // NETCONF announcements carry `forwarding` only: `accept_ra` and the rest are read again at each poll
            // (a few /proc/sys files) and compared with what they were once converged.
            let sysctls = SysctlInput(
                desired: desired, interfaces: links, networkdManaged: networkdManaged(observed.links),
                values: SysctlSnapshot.read(
                    from: kernel, desired: desired, saved: state.savedSysctls, interfaces: links,
                    networkdManaged: networkdManaged(observed.links)))
            converged = (convergenceInput, sysctls)
        }
        let reconciled = Reconciled(
            plan: plan, report: report, problems: problems, desired: desired, bindings: configuration.bindings)
        if routes == nil {
            lastReconciled = reconciled
            // The metrics' route states are the status report's (one computation, ``StatusReport``).
            let report = StatusReport(reconciled: reconciled, state: state, runtime: runtime)
            lastReconciledReport = report
            runtime.routeTally = report.summary
        }
        return reconciled
    }

    /// What a reconcile converges to besides the kernel: the routes, the configuration, whether removals are held.
    private struct ConvergenceInput: Equatable {
        var routes: [AppliedRoute]
        var configuration: AgentConfiguration
        var recovering: Bool
    }

    private var convergenceInput: ConvergenceInput {
        ConvergenceInput(routes: state.routes, configuration: configuration, recovering: state.recovery != nil)
    }

    /// Whether a reconcile could change anything: always, unless the mirror is kept (the daemon), the last
    /// reconcile succeeded, and the routes and configuration are the same as then. A poll whose answer changes
    /// nothing then skips planning altogether.
    public var needsReconcile: Bool {
        guard let converged, converged.input == convergenceInput else { return true }
        let sysctls = converged.sysctls
        let now = SysctlSnapshot.read(
            from: kernel, desired: sysctls.desired, saved: state.savedSysctls, interfaces: sysctls.interfaces,
            networkdManaged: sysctls.networkdManaged)
        return now != sysctls.values
    }

    /// What the sysctls were read for, and what they were, once converged.
    private struct SysctlInput {
        var desired: DesiredState
        var interfaces: [String]
        var networkdManaged: Set<String>
        var values: SysctlSnapshot
    }

    /// `plan` without anything that removes or restores: while the state is being recovered, what is routed here
    /// is unknown, so objects and sysctls stay as they are; every saved original is kept.
    static func withoutRemovals(_ plan: Plan, saved: [SavedSysctl]) -> Plan {
        var kept = plan
        let originals = Set(saved)
        kept.operations = plan.operations.filter { operation in
            switch operation {
            case .removeAddress, .removeRoute:
                return false
            case .setSysctl(let name, let interface, let value):
                return !originals.contains(SavedSysctl(name, interface: interface, value: value))
            case .addAddress, .replaceAddress, .addRoute, .replaceRoute:
                return true
            }
        }
        let newKeys = Set(plan.savedSysctls.map(\.key))
        kept.savedSysctls = (plan.savedSysctls + saved.filter { !newKeys.contains($0.key) }).sorted()
        return kept
    }

    /// Logs `route-applied` for each route this reconcile put into the kernel (an operation of it was applied)
    /// whose objects the kernel now holds: nothing of it failed, waits for an interface, or conflicts with a
    /// hand-made object. A route that was already in the kernel (a daemon start, a `sync` with nothing to do) or
    /// that a repair put back is not announced again.
    private func announceApplied(plan: Plan, report: ExecutionReport, problems: [BindingProblem]) {
        let changedIDs = Set(report.applied.compactMap { plan.routeIDs[$0] })
        let failedIDs = Set(report.failed.compactMap { plan.routeIDs[$0.operation] })
        let blockedIDs = Set(
            plan.deferred.compactMap(\.routeID) + plan.conflicts.compactMap(\.routeID) + problems.map(\.routeID))
        var holding: Set<String> = []
        for route in state.routes where route.missingSince == nil {
            let key = "\(route.id) \(route.prefix)"
            guard !failedIDs.contains(route.id), !blockedIDs.contains(route.id) else { continue }
            holding.insert(key)
            guard !announced.contains(key), changedIDs.contains(route.id) else { continue }
            logger.notice(
                "route \(route.id) (\(route.prefix)) applied",
                metadata: [
                    LogKeys.event: "\(AgentEvent.routeApplied.rawValue)", LogKeys.routeID: "\(route.id)",
                    LogKeys.prefix: "\(route.prefix)",
                ])
        }
        announced = holding
    }

    /// Records a successful sync (a valid answer applied); clears the last error unless the kernel refused some
    /// operation of that reconcile.
    public func markSynced() throws {
        let time = now()
        runtime.lastSync = time
        runtime.lastStepEnd = time
        runtime.steps += 1
        if !lastReconcileFailed { runtime.lastError = nil }
        try save()
        publishRuntime()
    }

    /// Records a failure that changed nothing, such as an API error.
    public func markFailed(_ error: any Error) {
        let failure = RuntimeStatus.Failure(error)
        runtime.lastError = failure
        runtime.counters.failures[failure.code, default: 0] += 1
        runtime.lastStepEnd = now()
        runtime.steps += 1
        try? save()
        publishRuntime()
    }

    /// Records a daemon step that found no API token (so `sync` run by hand learns why nothing happened).
    ///
    /// - Parameter why: Why no token could be used (``APIToken/resolve(tokenFile:environment:defaultTokenFile:)``'s
    ///   error: the file's mode and `chmod 600`, say); it follows ``waitingForToken`` in `status` and `STATUS=`.
    public func markWaitingForToken(_ why: (any Error)? = nil) {
        let reason = why.map { "\(Agent.waitingForToken): \($0)".replacingNewlinesAndTabs() } ?? Agent.waitingForToken
        runtime.lastError = RuntimeStatus.Failure(.noToken, reason)
        runtime.counters.failures[RuntimeStatus.Failure.Code.noToken.rawValue, default: 0] += 1
        runtime.lastStepEnd = now()
        runtime.steps += 1
        publishRuntime()
    }

    /// The message of a step that found no API token.
    public static let waitingForToken = "waiting for API token"

    /// Forgets the routes after `cleanup` removed every owned object.
    public func forgetRoutes() throws {
        state.routes = []
        try save()
    }

    /// Writes `state.json` when the state differs from what it holds, or when another process changed or removed
    /// the file since the agent last read or wrote it (one lstat(2) tells): a file that no longer holds the agent's
    /// state is set aside as `state.json.bad` and written again, so a damaged file does not wait for a restart.
    private func save() throws {
        guard !readOnly else { return }
        if state == stored {
            let current = store.identity()
            guard current != storedFile else { return }
            if current != nil, let onDisk = try? store.load(), onDisk == stored {
                storedFile = current  // touched, or rewritten with the same content
                return
            }
            if current != nil {
                let aside = try store.setAside()
                logger.warning(
                    "\(store.path) was changed by another process and no longer holds the agent's state: moved it to \(aside) and wrote it again")
            } else {
                guard storedFile != nil else { return }
                logger.warning("\(store.path) was removed by another process: wrote it again")
            }
        }
        try store.save(state)
        stored = state
        storedFile = store.identity()
    }

    /// Writes the runtime status (``RuntimeStatusStore``), then the metrics textfile (``MetricsTextfile``, at
    /// ``AgentConfiguration/metricsFile``) from it; a failure is logged once (and the recovery once), never thrown:
    /// the status and the metrics are for people and commands, the kernel does not depend on them.
    public func publishRuntime() {
        guard let runtimeStore, !readOnly else { return }
        do {
            try runtimeStore.save(runtime)
            if runtimeWriteFailed { logger.notice("the runtime status is written again in \(runtimeStore.directory)") }
            runtimeWriteFailed = false
        } catch {
            if !runtimeWriteFailed { logger.warning("cannot write the runtime status in \(runtimeStore.directory): \(error)") }
            runtimeWriteFailed = true
        }
        guard let path = configuration.metricsFile else { return }
        do {
            try MetricsTextfile(path: path).write(runtime)
            if metricsWriteFailed { logger.notice("the metrics textfile is written again: \(path)") }
            metricsWriteFailed = false
        } catch {
            if !metricsWriteFailed { logger.warning("cannot write the metrics textfile: \(error)") }
            metricsWriteFailed = true
        }
    }

    /// Replaces the configuration and the API client (SIGHUP). The next step uses them.
    public func reload(configuration: AgentConfiguration, client: HostUpClient) {
        self.configuration = configuration
        self.client = client
        etag = nil
        lastDocument = nil
        lastBody = nil
        lastValidation = nil
        loggedRefusals = []
    }

    /// How the last step of the daemon went, for the status line.
    public enum Health: Sendable {
        /// The API answered and the kernel was reconciled.
        case synced
        /// The API could not be used; the kernel keeps the last valid state.
        case degraded
        /// No API token yet; nothing is changed until one is given.
        case waitingForToken
        /// The first API request is still running; the kernel holds the cached state.
        case starting
    }

    /// Where each remembered route stands after the last reconcile that was applied (``StatusReport``), the same
    /// computation `status` makes from a dry run; `nil` before the first such reconcile.
    public func statusReport() -> StatusReport? {
        lastReconciled.map { StatusReport(reconciled: $0, state: state, runtime: runtime) }
    }

    /// What `status` reports: a dry run of the remembered routes against the kernel as it is now, with `runtime`
    /// (the runtime status as written by the daemon). Changes nothing.
    ///
    /// Without a state file (a `state_dir` never synced) while the kernel holds objects of the agent's, no plan is
    /// shown either: the remembered routes are none, so it would remove them all, which only an answer of the API
    /// may decide (`sync` asks it; `status` does not).
    ///
    /// - Throws: ``NetlinkError`` when the kernel cannot be observed.
    public func dryRunStatus(runtime: RuntimeStatus) throws -> StatusReport {
        let reconciled = try reconcile(dryRun: true)
        var unreadable = stateWarning
        if unreadable == nil, state.routes.isEmpty, !reconciled.plan.operations.isEmpty, store.identity() == nil {
            unreadable =
                "\(store.path) does not exist: this state_dir has never been synced, and the kernel holds objects of "
                + "the agent's that only `hostup-routed sync` can judge (it asks the API)"
        }
        return StatusReport(reconciled: reconciled, state: state, runtime: runtime, stateUnreadable: unreadable)
    }

    /// Whether an API client is set (a token was found).
    public var hasClient: Bool { client != nil }

    /// One human line for `systemctl status` (`STATUS=`): routes applied, interfaces, last sync and its age, last
    /// error.
    public func statusLine(_ health: Health) -> String {
        if case .waitingForToken = health {
            if let failure = runtime.lastError, failure.kind == .noToken, failure.message != Agent.waitingForToken {
                return failure.message  // why: the file's mode, say
            }
            return "waiting for API token (systemd credential \(APIToken.credentialName), token_file or HOSTUP_API_TOKEN)"
        }
        var parts: [String] = []
        // Only the routes' part of the report is read here: it changes with a reconcile, not with a poll.
        let report = lastReconciledReport
        let active = state.routes.filter { $0.missingSince == nil }.count
        var routes = report?.routeCount ?? (active == 1 ? "1 route" : "\(active) routes")
        if !interfaces.isEmpty { routes += " on \(interfaces.joined(separator: ", "))" }
        // What `status` would say of each route: counts by state, with the first reason of each that is not applied.
        if let report, report.summary.routes > 0 { routes += ": \(report.stateCounts)" }
        parts.append(routes)
        if let lastSync = runtime.lastSync {
            parts.append("last sync \(Int(max(0, now().timeIntervalSince(lastSync)))) s ago")
        } else {
            parts.append("never synced")
        }
        if let error = runtime.lastError?.message {
            let short = error.count > 120 ? String(error.prefix(117)) + "..." : error
            parts.append("last error: \(short)")
        }
        let joined = parts.joined(separator: "; ")
        if case .degraded = health { return "degraded (serving the last valid state): " + joined }
        if case .starting = health { return "waiting for the first API answer (serving the state file): " + joined }
        return joined
    }

    // MARK: - The kernel mirror

    /// Why the mirror was replaced by a fresh dump.
    public enum ResyncReason: String, Sendable, CaseIterable {
        /// The monitor's receive queue overflowed (`ENOBUFS`): announcements were lost.
        case lostEvents = "ENOBUFS"
        /// A dump was interrupted by a concurrent change (`NLM_F_DUMP_INTR`) and was taken again.
        case dumpInterrupted = "dump-interrupted"
        /// The periodic resync (``KernelWatch/resyncInterval``).
        case timer
    }

    /// What one announcement means for the agent.
    public enum Attention: Sendable, Equatable {
        /// Nothing the agent holds changed.
        case none
        /// The kernel moved away from what the agent converges to; the text says how, for the log.
        case drift(String)
        /// Announcements were lost: the mirror must be replaced by a fresh dump (``resyncMirror(reason:)``).
        case lostEvents
    }

    /// Starts keeping the kernel's state from announcements: one dump now, after which ``fetch()`` and
    /// ``reconcile(dryRun:routes:)`` read the mirror instead of dumping.
    ///
    /// - Important: Subscribe the ``Netlink/RTNetlinkMonitor`` first, then call this, then feed every announcement
    ///   to ``absorb(kernelEvent:)`` in the order received.
    /// - Throws: ``NetlinkError`` when the dump fails.
    public func attachMirror() throws {
        mirror = KernelMirror(try dump())
        // This run's counters replace the last run's at once.
        publishRuntime()
    }

    /// Stops using the mirror (its monitor failed): from now on each step dumps the kernel again.
    public func detachMirror() {
        mirror = nil
        converged = nil
    }

    /// Replaces the mirror's content by a fresh dump, and forgets the identification so that the next answer
    /// identifies this VPS again from the current addresses.
    ///
    /// - Throws: ``NetlinkError`` when the dump fails.
    public func resyncMirror(reason: ResyncReason) throws {
        let observed = try dump()
        runtime.counters.resyncs[reason.rawValue, default: 0] += 1
        identified = nil
        if mirror == nil { mirror = KernelMirror(observed) } else { mirror?.resync(observed) }
    }

    /// Applies one announcement to the mirror and judges it against what the last reconcile converged to
    /// (``Reconciliation/MirrorChange/isRelevant(to:)``). Before the first reconcile nothing is drift.
    public func absorb(kernelEvent event: RTNetlinkEvent) -> Attention {
        guard mirror != nil else { return .none }
        let changes = mirror!.apply(event)
        if changes.isEmpty { return .none }
        if changes.contains(.eventsLost) { return .lostEvents }
        guard let desired else { return .none }
        // After a reconcile the kernel refused in part (the interface was down, IPv6 disabled on it, its MTU
        // below 1280), any change on an interface the desired state names may be what lets it succeed now.
        guard
            let change = changes.first(where: {
                $0.isRelevant(to: desired) || (lastReconcileFailed && $0.touchesInterface(named: desired))
            })
        else { return .none }
        return .drift("\(change)")
    }

    /// Counts a repair pass that could not run (the kernel could not be observed) under its failure code, and
    /// publishes the runtime status. The last error stays the last step's: the next step retries anyway.
    public func countRepairFailure(_ error: any Error) {
        runtime.counters.failures[RuntimeStatus.Failure(error).code, default: 0] += 1
        publishRuntime()
    }

    /// Counts a repair pass (``KernelWatch``) and one held back by the rate limit.
    public func countRepair(heldBack: Bool) {
        if heldBack { runtime.counters.repairsHeldBack += 1 } else { runtime.counters.repairs += 1 }
    }

    /// The mirror's view when there is one; else a dump.
    private func observeKernel() throws -> ObservedState {
        if let mirror {
            if let mirrorView { return mirrorView }
            let view = mirror.observe()
            mirrorView = view
            return view
        }
        return try dump()
    }

    /// Dumps links, addresses and routes, again when the kernel says a dump was interrupted (at most 3 tries).
    private func dump() throws -> ObservedState {
        var attempt = 1
        while true {
            runtime.counters.kernelDumps += 1
            do {
                return try kernel.observe()
            } catch let error as NetlinkError where error.code == .dumpInterrupted && attempt < 3 {
                runtime.counters.resyncs[ResyncReason.dumpInterrupted.rawValue, default: 0] += 1
                logger.notice(
                    "a kernel dump was interrupted by a concurrent change; dumping again",
                    metadata: [
                        LogKeys.event: "\(AgentEvent.kernelResync.rawValue)",
                        LogKeys.reason: "\(ResyncReason.dumpInterrupted.rawValue)",
                    ])
                attempt += 1
            }
        }
    }

    // MARK: - Kernel facts

    /// The uplink: the configured one, else the remembered one, else the interface of the IPv6 default route.
    private func uplink(in observed: ObservedState) -> String? {
        Self.uplink(configured: configuration.uplink, remembered: state.uplink, observed: observed)
    }

    /// Whether `interface` has a default route in `main`.
    private func hasDefaultRoute(_ interface: String, in observed: ObservedState) -> Bool {
        guard let link = observed.links.first(where: { $0.name == interface }) else { return false }
        return observed.routes.contains {
            $0.destination.length == 0 && $0.table == .main && $0.outputInterface == link.ifindex
        }
    }

    /// Chooses the uplink: `configured` when set; else `remembered` while that link exists, so that a default
    /// route that vanishes (radvd's last advertisement has lifetime 0 when the router restarts) or one that sorts
    /// first on another link (a VPN) does not move it; else the interface of a default route in `main`, those
    /// learnt from router advertisements (`proto ra`) first, then by metric; else `remembered`.
    ///
    /// - Returns: The interface name, or `nil` when nothing names one yet.
    static func uplink(configured: String?, remembered: String?, observed: ObservedState) -> String? {
        if let configured { return configured }
        let names = Dictionary(observed.links.map { ($0.ifindex, $0.name) }, uniquingKeysWith: { first, _ in first })
        if let remembered, names.values.contains(remembered) { return remembered }
        let defaults = observed.routes.filter {
            $0.destination.length == 0 && $0.table == .main && $0.type == .unicast && $0.outputInterface != nil
        }
        let best = defaults.min {
            ($0.routeProtocol == .ra ? 0 : 1, $0.metric ?? 0) < ($1.routeProtocol == .ra ? 0 : 1, $1.metric ?? 0)
        }
        return best?.outputInterface.flatMap { names[$0] } ?? remembered
    }

    /// The links that systemd-networkd manages: those with a `.network` file in their state file under
    /// `networkdLinks` (`/run/systemd/netif/links/<ifindex>`, written by `link_save()` in
    /// src/network/networkd-state-file.c).
    private func networkdManaged(_ links: [Link]) -> Set<String> {
        Set(
            links.compactMap { link in
                guard let bytes = try? FileIO.read("\(networkdLinks)/\(link.ifindex)") else { return nil }
                let text = String(decoding: bytes, as: UTF8.self)
                return text.split(separator: "\n").contains { $0.hasPrefix("NETWORK_FILE=") } ? link.name : nil
            })
    }

    /// The addresses no routed prefix may contain: the default gateways and the uplink's own global addresses
    /// (/128s from DHCPv6 too). The API host's are added by ``fetch()``.
    private func protectedAddresses(in observed: ObservedState) -> [RouteValidator.ProtectedAddress] {
        var protected: [RouteValidator.ProtectedAddress] = []
        for route in observed.routes where route.destination.length == 0 && route.table == .main {
            if let gateway = route.gateway { protected.append(.init(gateway, role: "the default gateway")) }
        }
        if let name = uplink(in: observed), let link = observed.links.first(where: { $0.name == name }) {
            for address in observed.addresses
            where address.ifindex == link.ifindex && address.scope == .universe && address.addressProtocol != .hostup {
                protected.append(.init(address.address, role: "an address of the uplink \(name)"))
            }
        }
        return protected
    }

    /// The on-link prefixes of the uplink: its global, non-/128 addresses that the agent does not own.
    private func uplinkPrefixes(in observed: ObservedState) -> [IPv6Prefix] {
        guard let name = uplink(in: observed),
            let link = observed.links.first(where: { $0.name == name })
        else { return [] }
        return observed.addresses.compactMap { address in
            guard address.ifindex == link.ifindex, address.scope == .universe, address.prefixLength < 128,
                address.addressProtocol != .hostup
            else { return nil }
            return try? IPv6Prefix(masking: address.address, length: Int(address.prefixLength))
        }
    }
}
