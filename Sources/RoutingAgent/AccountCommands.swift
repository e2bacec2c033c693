import FoundationEssentials
import HostUpAPI

/// The API commands of the command line: `routes list|create|delete` and `pool allocate|release`, each against the
/// HostUp API (seed page "Routed IPv6: API") and a ``CommandConsole``.
///
/// Every command first reads the account (`GET /api/v2/routed-ipv6`), checks locally what it can (the `actions`
/// gates, the request's fields) and sends nothing when a check refuses. A `429` is waited out once (its
/// `Retry-After`, at most two minutes, said on the console); any other failure is printed readably (the problem
/// document's title, detail, code, each `errors[]` pointer and `requestId`, or the transport error) and thrown as
/// ``CommandFailure``: ``CommandExit/transport`` when the API could not be reached, ``CommandExit/api`` when it
/// refused or answered badly, ``CommandExit/usage`` for a local refusal or a confirmation not given.
public struct AccountCommands: Sendable {
    /// The longest `Retry-After` waited out; a longer one is reported as the failure.
    public static let longestRetryAfter = Duration.seconds(120)

    let client: HostUpClient
    let console: any CommandConsole
    let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - client: The API client (its token and deadlines).
    ///   - console: Where the commands print and ask.
    ///   - sleep: Waits out a `Retry-After`; tests pass one that records it.
    public init(
        client: HostUpClient, console: any CommandConsole,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.client = client
        self.console = console
        self.sleep = sleep
    }

    // MARK: routes list

    /// `routes list`: the pools, their routes and the destinations as tables (``RoutedIPv6Listing``), or with
    /// `json` the state document byte for byte as the API sent it.
    public func listRoutes(json: Bool) async throws {
        let (state, body) = try await call("GET /api/v2/routed-ipv6") { try await client.routedIPv6Document() }
        if json {
            console.say(String(decoding: body, as: UTF8.self))
        } else {
            console.say(RoutedIPv6Listing.render(state))
        }
    }

    // MARK: routes create

    /// `routes create`: checks `creation` against the account (``RouteCreation/check(in:configuredVPS:local:)``)
    /// and sends `create_route`. Returns the new route and the checked request, or `nil` when the answer lists no new
    /// route.
    public func createRoute(
        _ creation: RouteCreation, configuredVPS: String?, local: @autoclosure () -> IdentityResolver.LocalAddresses
    ) async throws -> (route: Route, checked: RouteCreation.Checked)? {
        try await createRoute(creation, in: try await fetchState(), configuredVPS: configuredVPS, local: local())
    }

    /// `routes create` on an account state already read.
    public func createRoute(
        _ creation: RouteCreation, in before: RoutedIPv6State, configuredVPS: String?,
        local: @autoclosure () -> IdentityResolver.LocalAddresses
    ) async throws -> (route: Route, checked: RouteCreation.Checked)? {
        let checked: RouteCreation.Checked
        do {
            checked = try creation.check(in: before, configuredVPS: configuredVPS, local: local())
        } catch let error as IdentityResolver.Failure {
            console.warn("\(error); or pass --vps-id")
            throw CommandFailure(.usage)
        } catch {
            console.warn("\(error); nothing was sent")
            throw CommandFailure(.usage)
        }
        let after = try await call(
            "POST /api/v2/routed-ipv6 (create_route)", conflict: checked.conflictMeaning, changes: true
        ) {
            try await client.createRoute(checked.request)
        }
        guard let route = RouteCreation.createdRoute(before: before, after: after) else {
            console.say("created (the answer lists no new route)")
            return nil
        }
        console.say("created route \(route.id): \(route.prefix) -> \(route.vpsId)\(route.vpsName.map { " (\($0))" } ?? "")")
        return (route, checked)
    }

    // MARK: routes delete

    /// `routes delete ID`: the route must exist and its `canDelete` gate allow it; confirmed on a terminal unless
    /// `yes`.
    public func deleteRoute(id: String, yes: Bool) async throws {
        try await deleteRoute(id: id, yes: yes, in: try await fetchState())
    }

    /// `routes delete ID` on an account state already read.
    public func deleteRoute(id: String, yes: Bool, in state: RoutedIPv6State) async throws {
        let route = try gate { try ActionGateCheck.routeToDelete(id: id, in: state) }
        try confirm("delete route \(id) (\(route.prefix) -> \(route.vpsId))?", yes: yes)
        _ = try await call("DELETE /api/v2/routed-ipv6/routes/\(id)", changes: true) {
            try await client.deleteRoute(id: id)
        }
        console.say("deleted route \(id) (\(route.prefix))")
    }

    // MARK: pool allocate

    /// `pool allocate`: refused locally when `actions.canAllocatePool` says no; prints the new pool.
    public func allocatePool() async throws {
        try await allocatePool(in: try await fetchState())
    }

    /// `pool allocate` on an account state already read.
    public func allocatePool(in state: RoutedIPv6State) async throws {
        if let gate = state.actions?.canAllocatePool, !gate.allowed {
            console.warn("a pool cannot be allocated: \(sentence(gate.reason)); nothing was sent")
            throw CommandFailure(.api)
        }
        let known = Set(state.pools.map(\.id))
        let after = try await call(
            "POST /api/v2/routed-ipv6 (allocate_pool)", conflict: "409: the account already has a routed /48",
            changes: true
        ) { try await client.allocatePool() }
        for pool in after.pools where !known.contains(pool.id) {
            console.say("allocated pool \(pool.id): \(pool.parentCidr)")
        }
    }

    // MARK: pool release

    /// `pool release ID`: the pool must exist and its `canRelease` gate allow it; confirmed on a terminal unless
    /// `yes`. Prints the `cooldownUntil` the API answers.
    public func releasePool(id: String, yes: Bool) async throws {
        try await releasePool(id: id, yes: yes, in: try await fetchState())
    }

    /// `pool release ID` on an account state already read.
    public func releasePool(id: String, yes: Bool, in state: RoutedIPv6State) async throws {
        let pool = try gate { try ActionGateCheck.poolToRelease(id: id, in: state) }
        try confirm("release pool \(id) (\(pool.parentCidr))?", yes: yes)
        let released = try await call("DELETE /api/v2/routed-ipv6/\(id)", changes: true) {
            try await client.releasePool(id: id)
        }
        console.say("released pool \(id) (\(pool.parentCidr)); cooldown until \(released.cooldownUntil ?? "unknown")")
    }

    // MARK: Parts

    /// The account's state document: `GET /api/v2/routed-ipv6`, through ``call(_:conflict:_:)``.
    public func fetchState() async throws -> RoutedIPv6State {
        try await call("GET /api/v2/routed-ipv6") { try await client.routedIPv6Document().state }
    }

    /// Runs one API request, named `what` in messages: a `429` is waited out once; a failure is printed and thrown
    /// as ``CommandFailure``.
    ///
    /// - Parameters:
    ///   - conflict: What a body-less `409` means for this request, in words.
    ///   - changes: The request changes the account (a POST or DELETE): when its answer is lost or unreadable, the
    ///     failure says it may have been carried out all the same.
    public func call<Result>(
        _ what: String, conflict: String? = nil, changes: Bool = false, _ request: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await request()
        } catch let error as HostUpAPIError where error.code == .rateLimited {
            let wait = error.retryAfter ?? .seconds(5)
            guard wait <= Self.longestRetryAfter else { throw report(what, error, conflict: conflict, changes: changes) }
            console.warn("\(what): rate limited; waiting \(wait.components.seconds) s (Retry-After) and trying once more")
            try await sleep(wait)
            do {
                return try await request()
            } catch {
                throw report(what, error, conflict: conflict, changes: changes)
            }
        } catch {
            throw report(what, error, conflict: conflict, changes: changes)
        }
    }

    /// Prints an API failure and returns the failure to throw.
    func report(_ what: String, _ error: any Error, conflict: String?, changes: Bool) -> CommandFailure {
        if let conflict, let error = error as? HostUpAPIError, error.status == 409, error.problem == nil {
            console.warn("\(what) refused: \(conflict)")
            return CommandFailure(.api)
        }
        console.warn("\(what) failed:")
        for line in "\(error)".split(separator: "\n", omittingEmptySubsequences: false) {
            console.warn("  \(line)")
        }
        if changes, let error = error as? HostUpAPIError, [.transport, .decoding].contains(error.code) {
            console.warn("if the request reached the API, it may have been carried out: check with `hostup-routed routes list`")
        }
        return CommandFailure(Self.exit(for: error))
    }

    /// The exit status for an error from the API client: ``CommandExit/transport`` or ``CommandExit/api``.
    public static func exit(for error: any Error) -> CommandExit {
        if let error = error as? HostUpAPIError, error.code == .transport { return .transport }
        return .api
    }

    /// Runs a local gate check; its refusal is printed: an unknown id is a usage error, a closed gate an API
    /// refusal (nothing was sent either way).
    func gate<Object>(_ check: () throws -> Object) throws -> Object {
        do {
            return try check()
        } catch let refusal as ActionGateCheck.Refusal {
            console.warn(refusal.kind == .unknown ? "\(refusal)" : "\(refusal); nothing was sent")
            throw CommandFailure(refusal.kind == .unknown ? .usage : .api)
        }
    }

    /// Asks "question [y/N]" on a terminal; off a terminal, `yes` is required.
    ///
    /// - Throws: ``CommandFailure`` with ``CommandExit/usage`` when not confirmed.
    func confirm(_ question: String, yes: Bool) throws {
        if yes { return }
        guard console.isInteractive else {
            console.warn("\(question): not a terminal, so pass --yes to confirm")
            throw CommandFailure(.usage)
        }
        let answer = console.ask(question)?.lowercased() ?? ""
        guard answer == "y" || answer == "yes" else {
            console.warn("not confirmed; nothing was sent")
            throw CommandFailure(.usage)
        }
    }
}
