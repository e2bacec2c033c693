import HostUpAPI
import HostUpAPISimulator
import Logging
import Synchronization
import Testing

@testable import RoutingAgent

/// A value tests share with the code under test's closures.
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    var value: Value {
        get { mutex.withLock { $0 } }
        set { mutex.withLock { $0 = newValue } }
    }

    func update(_ change: (inout Value) -> Void) {
        mutex.withLock { change(&$0) }
    }
}

/// A console that records what a command says and asks, and answers its question with `answer`.
final class RecordingConsole: CommandConsole {
    private struct Record {
        var out: [String] = []
        var err: [String] = []
        var questions: [String] = []
    }

    private let record = Mutex(Record())
    let isInteractive: Bool
    let answer: String?

    /// - Parameters:
    ///   - interactive: Whether a question can be asked (standard input a terminal).
    ///   - answer: The line answered to a question; `nil` is the end of input.
    init(interactive: Bool = false, answer: String? = nil) {
        self.isInteractive = interactive
        self.answer = answer
    }

    func say(_ line: String) { record.withLock { $0.out += line.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } }
    func warn(_ line: String) { record.withLock { $0.err.append(line) } }
    func ask(_ question: String) -> String? {
        record.withLock { $0.questions.append(question) }
        return answer
    }

    /// Standard output, one entry per line.
    var out: [String] { record.withLock { $0.out } }
    /// Standard error, one entry per line (without the `hostup-routed: ` prefix).
    var err: [String] { record.withLock { $0.err } }
    var errText: String { err.joined(separator: "\n") }
    var questions: [String] { record.withLock { $0.questions } }
}

/// `routes list|create|delete` and `pool allocate|release` against the in-process API simulator: every refusal the
/// seed page documents (400 with `errors[]`, 401, 403, 404, the body-less 409, 429 with `Retry-After`, 500),
/// transport failures, the `actions` gates and the confirmation, with the exit status, the words printed and exactly
/// which `/api` requests reached the API. These were scripts/cli-test.sh's cases.
@Suite struct AccountCommandsTests {
    typealias API = SimulatedAPI
    static let web = "ripv6rt_01cliweb"
    static let pending = "ripv6rt_01clipending"

    /// Runs `body` with the commands over a client of a simulator holding `pools` and `console`; returns the
    /// command's exit status (`nil` when it succeeded) and the requests made.
    func run(
        _ pools: [SimulatedPool], seed: SimulatorSeed? = nil, token: String = API.token,
        requestTimeout: Duration = .seconds(30), console: RecordingConsole, sleeps: Sleeps = Sleeps([]),
        _ body: @escaping @Sendable (AccountCommands, SimulatorState) async throws -> Void
    ) async throws -> (CommandExit?, [String]) {
        try await API.run(pools, seed: seed, token: token, requestTimeout: requestTimeout) { client, state in
            let commands = AccountCommands(client: client, console: console, sleep: { wait in sleeps.update { $0.append(wait) } })
            do {
                try await body(commands, state)
                return nil
            } catch let failure as CommandFailure {
                return failure.exit
            }
        }
    }

    /// The `Retry-After` waits a command asked for.
    typealias Sleeps = Shared<[Duration]>

    /// Rows of `lines` with runs of spaces squeezed to one, as scripts compared them.
    func rows(_ lines: [String]) -> [String] {
        lines.map { line in
            var squeezed = ""
            for character in line where !(character == " " && squeezed.last == " ") { squeezed.append(character) }
            return squeezed
        }
    }

    // MARK: routes list

    @Test func theListShowsPoolsRoutesAndDestinationsAsAlignedTables() async throws {
        let console = RecordingConsole()
        let (exit, requests) = try await run(API.base, console: console) { commands, _ in
            try await commands.listRoutes(json: false)
        }
        #expect(exit == nil)
        let rows = rows(console.out)
        for row in [
            "pool ripv6_01clipool1 2001:db8:1000::/48 active 2 routes",
            " PREFIX ID VPS LABEL STATUS DELETABLE",
            " 2001:db8:1000:10::/64 \(Self.web) \(API.vps) (web-01) web active yes",
            " 2001:db8:1000:20::/64 \(Self.pending) \(API.vps) (web-01) staging pending no: Only active routes can be deleted; this one is pending.",
            "destinations",
            " VPS NAME NEXT HOP PRIMARY IP CAN RECEIVE",
            " \(API.vps) web-01 2001:db8::10 192.0.2.10 yes",
            " \(API.vps2) app-01 2001:db8::12 192.0.2.12 yes",
            " \(API.vps3) db-01 - 192.0.2.11 no: The VPS has no IPv6 next hop.",
        ] {
            #expect(rows.contains(row), "no row: \(row)")
        }
        // A table: every route's ID starts in the column of the ID header.
        let header = try #require(console.out.first { $0.contains("PREFIX") })
        let column = try #require(header.firstRange(of: " ID ")).lowerBound
        let idColumn = header.distance(from: header.startIndex, to: column) + 1
        for id in [Self.web, Self.pending] {
            let line = try #require(console.out.first { $0.contains(id) })
            let start = try #require(line.firstRange(of: id)).lowerBound
            #expect(line.distance(from: line.startIndex, to: start) == idColumn, "the ID column is not aligned for \(id)")
        }
        #expect(requests == ["GET 200"])
    }

    @Test func theJSONListIsTheAPIsBodyByteForByte() async throws {
        let console = RecordingConsole()
        let (exit, requests) = try await run(API.base, console: console) { commands, _ in
            try await commands.listRoutes(json: true)
        }
        #expect(exit == nil)
        let (body, _) = try await API.run(API.base) { client, _ in
            String(decoding: try await client.routedIPv6Document().body, as: UTF8.self)
        }
        #expect(body.contains("\"routes\""))
        #expect(console.out.joined(separator: "\n") == body)
        #expect(requests == ["GET 200"])
    }

    /// A label and a route id with terminal control sequences (ESC, BEL) are shown escaped.
    @Test func controlCharactersFromTheAPIAreShownEscaped() async throws {
        let hostile = [
            SimulatedPool(
                id: API.poolID, parentCidr: "2001:db8:1000::/48",
                routes: [
                    SimulatedRoute(
                        id: "ripv6rt_\u{1B}[31mred", prefix: "2001:db8:1000:10::/64", vpsId: API.vps,
                        label: "\u{1B}]0;pwned\u{07}web")
                ])
        ]
        let console = RecordingConsole()
        let (exit, _) = try await run(hostile, console: console) { commands, _ in try await commands.listRoutes(json: false) }
        #expect(exit == nil)
        let text = console.out.joined(separator: "\n")
        let raw = console.out.filter { $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }
        #expect(raw.isEmpty, "a raw control character in: \(raw)")
        #expect(text.contains(#"\x1b]0;pwned\x07web"#))
        #expect(text.contains(#"ripv6rt_\x1b[31mred"#))
    }

    @Test func anUnavailableAccountSaysWhy() async throws {
        let console = RecordingConsole()
        let seed = SimulatorSeed(available: false, reason: "Routed IPv6 is not offered in this region.")
        let (exit, _) = try await run([], seed: seed, console: console) { commands, _ in
            try await commands.listRoutes(json: false)
        }
        #expect(exit == nil)
        #expect(console.out.contains("routed IPv6 is not available: Routed IPv6 is not offered in this region."))
        #expect(console.out.contains("no pool (and cannot be allocated: Routed IPv6 is not offered in this region.)"))
    }

    // MARK: pool allocate

    @Test func allocatePrintsTheNewPool() async throws {
        let console = RecordingConsole()
        let (exit, requests) = try await run([], console: console) { commands, state in
            try await commands.allocatePool()
            let pools = await state.document().pools
            #expect(pools.map(\.parentCidr) == ["2001:db8:1000::/48"])
            #expect(console.out == ["allocated pool \(pools.first?.id ?? "?"): 2001:db8:1000::/48"])
        }
        #expect(exit == nil)
        #expect(requests == ["GET 200", "POST 201"])
    }

    /// `actions.canAllocatePool` says no: its reason, exit 2, no POST.
    @Test(arguments: [
        (nil, "The account already has a routed /48"),
        (SimulatorSeed(available: false, reason: "Routed IPv6 is not offered in this region."),
         "Routed IPv6 is not offered in this region"),
    ])
    func aClosedAllocateGateSendsNothing(_ seed: SimulatorSeed?, _ reason: String) async throws {
        let console = RecordingConsole()
        let (exit, requests) = try await run(API.base, seed: seed, console: console) { commands, _ in
            try await commands.allocatePool()
        }
        #expect(exit == .api)
        #expect(console.err == ["a pool cannot be allocated: \(reason); nothing was sent"])
        #expect(requests == ["GET 200"])
    }

    /// The gate was open when the account was read; the pool appeared before the POST: the body-less 409, explained.
    @Test func aPoolAllocatedMeanwhileIsExplained() async throws {
        let console = RecordingConsole()
        let (exit, requests) = try await run([], console: console) { commands, state in
            let before = try await commands.fetchState()
            await state.seed(SimulatorSeed(pools: API.base, destinations: API.destinations))
            try await commands.allocatePool(in: before)
        }
        #expect(exit == .api)
        #expect(console.err == ["POST /api/v2/routed-ipv6 (allocate_pool) refused: 409: the account already has a routed /48"])
        #expect(requests == ["GET 200", "POST 409"])
    }

    // MARK: routes create

    /// Runs `routes create`; returns its exit status, the requests made and how many routes the account has after.
    func create(_ creation: RouteCreation, token: String = API.token, console: RecordingConsole)
        async throws -> (CommandExit?, [String], Int)
    {
        let routes = Shared(0)
        let (exit, requests) = try await run(API.base, token: token, console: console) { commands, state in
            do {
                _ = try await commands.createRoute(creation, configuredVPS: nil, local: API.here)
            } catch {
                routes.value = await state.document().pools.flatMap(\.routes).count
                throw error
            }
            routes.value = await state.document().pools.flatMap(\.routes).count
        }
        return (exit, requests, routes.value)
    }

    @Test func a400NamesEachFieldAndTheRequestID() async throws {
        let console = RecordingConsole()
        let (exit, requests, routes) = try await create(
            RouteCreation(prefixLength: 64, label: String(repeating: "x", count: 201)), console: console)
        #expect(exit == .api)
        #expect(console.err.first == "POST /api/v2/routed-ipv6 (create_route) failed:")
        for text in [
            "POST /api/v2/routed-ipv6: 400 Bad Request", "Validation failed (status 400, code invalid_request)",
            "The request body failed validation.", "/label: `label` is longer than 100 characters. (invalid_value)",
        ] {
            #expect(console.errText.contains(text), "stderr lacks: \(text)")
        }
        #expect(console.errText.contains(/request id: req_[0-9a-z]+/))
        #expect(routes == 2)
        #expect(requests == ["GET 200", "POST 400"])
    }

    /// The body-less 409s: what they mean for this request, in words.
    @Test(arguments: [
        (RouteCreation(prefixLength: 64, prefix: "2001:db8:1000:10::/64"),
         "409: 2001:db8:1000:10::/64 overlaps a route that already exists"),
        (RouteCreation(prefixLength: 48), "409: no free /48 is left in pool"),
    ])
    func aBodylessConflictIsExplained(_ creation: RouteCreation, _ meaning: String) async throws {
        let console = RecordingConsole()
        let (exit, requests, routes) = try await create(creation, console: console)
        #expect(exit == .api)
        #expect(console.err.count == 1 && console.errText.hasPrefix("POST /api/v2/routed-ipv6 (create_route) refused: \(meaning)"))
        #expect(routes == 2, "no route was created")
        #expect(requests == ["GET 200", "POST 409"])
    }

    @Test func a403NamesTheMissingWriteScope() async throws {
        let console = RecordingConsole()
        let (exit, requests, _) = try await create(RouteCreation(prefixLength: 64), token: API.readOnlyToken, console: console)
        #expect(exit == .api)
        for text in [
            "403 Forbidden: the API token lacks the scope write:network", "Forbidden (status 403, code forbidden)",
            "The API token lacks the required scope `write:network`.",
        ] {
            #expect(console.errText.contains(text), "stderr lacks: \(text)")
        }
        #expect(console.errText.contains(/request id: req_[0-9a-z]+/))
        #expect(requests == ["GET 200", "POST 403"])
    }

    @Test func a403OnTheListNamesTheReadScopes() async throws {
        let console = RecordingConsole()
        let (exit, requests) = try await run(API.base, token: API.noVMToken, console: console) { commands, _ in
            try await commands.listRoutes(json: false)
        }
        #expect(exit == .api)
        #expect(console.errText.contains("GET /api/v2/routed-ipv6: 403 Forbidden: the API token lacks the scopes read:network and read:vm"))
        #expect(console.errText.contains("The API token lacks the required scope `read:vm`."))
        #expect(console.out.isEmpty)
        #expect(requests == ["GET 403"])
    }

    @Test func a401NamesTheScopesNeeded() async throws {
        let console = RecordingConsole()
        let (exit, requests) = try await run(API.base, token: "not-a-known-token", console: console) { commands, _ in
            try await commands.listRoutes(json: false)
        }
        #expect(exit == .api)
        #expect(
            console.errText.contains(
                "401 Unauthorized: the API token is missing, invalid, expired or revoked; this endpoint needs a token with the scopes read:network and read:vm"))
        #expect(console.errText.contains("Unauthorized (status 401, code unauthorized)"))
        #expect(console.errText.contains(/request id: req_[0-9a-z]+/))
        #expect(requests == ["GET 401"])
    }

    // MARK: 429, 500, bad answers, transport

    @Test func a429IsWaitedOutOnceAndSaidSo() async throws {
        let console = RecordingConsole()
        let sleeps = Sleeps([])
        let (exit, requests) = try await run(API.base, console: console, sleeps: sleeps) { commands, state in
            await state.injectFault(SimulatedFault(kind: .rateLimit, count: 1, retryAfterSeconds: 7))
            _ = try await commands.createRoute(RouteCreation(prefixLength: 64, label: "later"), configuredVPS: nil, local: API.here)
        }
        #expect(exit == nil)
        #expect(sleeps.value == [.seconds(7)])
        #expect(console.err == ["GET /api/v2/routed-ipv6: rate limited; waiting 7 s (Retry-After) and trying once more"])
        #expect(console.out.first?.hasPrefix("created route") == true)
        #expect(requests == ["GET 429", "GET 200", "POST 201"])
    }

    @Test func a429TwiceIsTheFailure() async throws {
        let console = RecordingConsole()
        let sleeps = Sleeps([])
        let (exit, requests) = try await run(API.base, console: console, sleeps: sleeps) { commands, state in
            await state.injectFault(SimulatedFault(kind: .rateLimit, count: 3, retryAfterSeconds: 1))
            try await commands.listRoutes(json: false)
        }
        #expect(exit == .api)
        #expect(sleeps.value == [.seconds(1)], "waited once")
        for text in [
            "rate limited; waiting 1 s (Retry-After) and trying once more",
            "429 Too Many Requests: rate limited; retry after 1 s", "Too many requests (status 429, code rate_limited)",
        ] {
            #expect(console.errText.contains(text), "stderr lacks: \(text)")
        }
        #expect(console.errText.contains(/request id: req_[0-9a-z]+/))
        #expect(requests == ["GET 429", "GET 429"])
    }

    /// A `Retry-After` longer than two minutes is not waited: it is the failure, with the server's figure (and the
    /// daemon's 15-minute cap when the server's is longer).
    @Test(arguments: [(121, "retry after 121 s"), (3600, "retry after 3600 s (the agent waits at most 900 s)")])
    func aLongRetryAfterIsNotWaited(_ seconds: Int, _ said: String) async throws {
        let console = RecordingConsole()
        let sleeps = Sleeps([])
        let (exit, requests) = try await run(API.base, console: console, sleeps: sleeps) { commands, state in
            await state.injectFault(SimulatedFault(kind: .rateLimit, count: 1, retryAfterSeconds: seconds))
            try await commands.listRoutes(json: false)
        }
        #expect(exit == .api)
        #expect(sleeps.value.isEmpty)
        #expect(console.errText.contains(said), "\(console.errText)")
        #expect(!console.errText.contains("retry after: "), "said once")
        #expect(requests == ["GET 429"])
    }

    @Test func a500PrintsTheProblemDocument() async throws {
        let console = RecordingConsole()
        let (exit, requests) = try await run(API.base, console: console) { commands, state in
            await state.injectFault(SimulatedFault(kind: .status500, count: 1))
            try await commands.listRoutes(json: false)
        }
        #expect(exit == .api)
        for text in [
            "500 Internal Server Error: server error; retry later", "Internal error (status 500, code internal_error)",
            "Simulated internal error. Retry later.",
        ] {
            #expect(console.errText.contains(text), "stderr lacks: \(text)")
        }
        #expect(console.errText.contains(/request id: req_[0-9a-z]+/))
        #expect(requests == ["GET 500"])
    }

    @Test func aMalformedAnswerIsAnAPIFailure() async throws {
        let console = RecordingConsole()
        let (exit, requests) = try await run(API.base, console: console) { commands, state in
            await state.injectFault(SimulatedFault(kind: .malformedJSON, count: 1))
            try await commands.listRoutes(json: true)
        }
        #expect(exit == .api)
        #expect(console.errText.contains("GET /api/v2/routed-ipv6: 200 answer is not a valid RoutedIPv6State document"))
        #expect(console.out.isEmpty, "--json prints nothing it could not decode")
        #expect(requests == ["GET 200"])
    }

    @Test func aDroppedConnectionIsATransportFailureAndCreatesNothing() async throws {
        let console = RecordingConsole()
        let (exit, requests) = try await run(API.base, console: console) { commands, state in
            await state.injectFault(SimulatedFault(kind: .dropConnection, count: 1))
            do {
                _ = try await commands.createRoute(RouteCreation(prefixLength: 64), configuredVPS: nil, local: API.here)
            } catch {
                #expect(await state.document().pools.flatMap(\.routes).count == 2, "no route was created")
                throw error
            }
        }
        #expect(exit == .transport)
        #expect(console.errText.contains("transport: GET /api/v2/routed-ipv6"))
        #expect(!console.errText.contains("may have been carried out"), "a GET changes nothing")
        #expect(requests == ["GET -"])
    }

    /// A POST or DELETE whose answer is lost or unreadable may have been carried out: the command says to check.
    @Test(arguments: [SimulatedFault.Kind.dropConnection, .malformedJSON])
    func aLostAnswerToAWriteSaysToCheck(_ fault: SimulatedFault.Kind) async throws {
        let console = RecordingConsole()
        let (exit, requests) = try await run(API.base, console: console) { commands, state in
            let before = try await commands.fetchState()
            await state.injectFault(SimulatedFault(kind: fault, count: 1))
            _ = try await commands.createRoute(RouteCreation(prefixLength: 64), in: before, configuredVPS: nil, local: API.here)
        }
        #expect(exit == (fault == .dropConnection ? .transport : .api))
        #expect(console.err.last == "if the request reached the API, it may have been carried out: check with `hostup-routed routes list`")
        #expect(requests.first == "GET 200" && requests.last?.hasPrefix("POST") == true)
    }

    /// A body trickled one byte at a time ends at the whole-request deadline (the read timeout restarting with each
    /// byte would never end): exit 3, saying so.
    @Test func aTricklingBodyEndsAtTheRequestDeadline() async throws {
        let console = RecordingConsole()
        let clock = ContinuousClock()
        let start = clock.now
        let (exit, requests) = try await run(API.base, requestTimeout: .seconds(2), console: console) { commands, state in
            await state.injectFault(SimulatedFault(kind: .slowBody, milliseconds: 300))
            try await commands.listRoutes(json: false)
        }
        #expect(clock.now - start < .seconds(20), "the deadline ended it, not the simulator")
        #expect(exit == .transport)
        #expect(console.errText.contains("GET /api/v2/routed-ipv6: timed out: no complete answer within 2 s"))
        #expect(requests.count == 1)
    }

    @Test func aRefusedConnectionIsATransportFailure() async throws {
        // Port 1 (tcpmux) on loopback: nothing listens there, so the connection is refused.
        let configuration = try HostUpClient.Configuration(baseURL: "http://127.0.0.1:1", token: "t", version: "0-test")
        let console = RecordingConsole()
        let exit: CommandExit? = try await HostUpClient.withClient(
            configuration: configuration, logger: .init(label: "client", factory: { _ in SwiftLogNoOpLogHandler() })
        ) { client in
            do {
                try await AccountCommands(client: client, console: console).listRoutes(json: false)
                return nil
            } catch let failure as CommandFailure {
                return failure.exit
            }
        }
        #expect(exit == .transport)
        #expect(console.errText.contains("transport: GET /api/v2/routed-ipv6"))
    }

    // MARK: routes delete, pool release: confirmation

    @Test func deleteWithYesDeletesAndSaysSo() async throws {
        let console = RecordingConsole()
        let (exit, requests) = try await run(API.base, console: console) { commands, state in
            try await commands.deleteRoute(id: Self.web, yes: true)
            #expect(await !state.document().pools.flatMap(\.routes).contains { $0.id == Self.web })
        }
        #expect(exit == nil)
        #expect(console.out == ["deleted route \(Self.web) (2001:db8:1000:10::/64)"])
        #expect(console.questions.isEmpty)
        #expect(requests == ["GET 200", "DELETE 200"])
    }

    /// Off a terminal without --yes, or answered anything but y/yes on one: exit 64, no DELETE.
    @Test(arguments: [
        (false, nil, "delete route \(web) (2001:db8:1000:10::/64 -> \(API.vps))?: not a terminal, so pass --yes to confirm"),
        (true, "n", "not confirmed; nothing was sent"), (true, "", "not confirmed; nothing was sent"),
        (true, nil, "not confirmed; nothing was sent"), (true, "yess", "not confirmed; nothing was sent"),
    ] as [(Bool, String?, String)])
    func anUnconfirmedDeleteSendsNothing(_ interactive: Bool, _ answer: String?, _ said: String) async throws {
        let console = RecordingConsole(interactive: interactive, answer: answer)
        let (exit, requests) = try await run(API.base, console: console) { commands, _ in
            try await commands.deleteRoute(id: Self.web, yes: false)
        }
        #expect(exit == .usage)
        #expect(console.err == [said])
        #expect(console.questions == (interactive ? ["delete route \(Self.web) (2001:db8:1000:10::/64 -> \(API.vps))?"] : []))
        #expect(requests == ["GET 200"])
    }

    @Test(arguments: ["y", "Y", "yes", "YES"])
    func aConfirmedDeleteDeletes(_ answer: String) async throws {
        let console = RecordingConsole(interactive: true, answer: answer)
        let (exit, requests) = try await run(API.base, console: console) { commands, _ in
            try await commands.deleteRoute(id: Self.web, yes: false)
        }
        #expect(exit == nil)
        #expect(console.out == ["deleted route \(Self.web) (2001:db8:1000:10::/64)"])
        #expect(requests == ["GET 200", "DELETE 200"])
    }

    /// The route disappears behind the API's back between the command's GET and its DELETE: the 404, explained.
    @Test func aRouteGoneMeanwhileIsA404() async throws {
        let console = RecordingConsole(interactive: true, answer: "y")
        let (exit, requests) = try await run(API.base, console: console) { commands, state in
            let before = try await commands.fetchState()
            #expect(await state.removeRoute(id: Self.web))
            try await commands.deleteRoute(id: Self.web, yes: false, in: before)
        }
        #expect(exit == .api)
        for text in [
            "DELETE /api/v2/routed-ipv6/routes/\(Self.web): 404 Not Found: the resource does not exist or is not owned by this account",
            "Not found (status 404, code not_found)", "Route `\(Self.web)` was not found.",
        ] {
            #expect(console.errText.contains(text), "stderr lacks: \(text)")
        }
        #expect(console.errText.contains(/request id: req_[0-9a-z]+/))
        #expect(requests == ["GET 200", "DELETE 404"])
    }

    @Test(arguments: [true, false])
    func releasePrintsTheCooldown(_ onATerminal: Bool) async throws {
        let console = RecordingConsole(interactive: onATerminal, answer: "y")
        let (exit, requests) = try await run(API.emptyPool, console: console) { commands, state in
            try await commands.releasePool(id: API.poolID, yes: !onATerminal)
            #expect(await state.document().pools.isEmpty)
        }
        #expect(exit == nil)
        #expect(console.questions == (onATerminal ? ["release pool \(API.poolID) (2001:db8:1000::/48)?"] : []))
        #expect(console.out.count == 1)
        #expect(
            console.out.first?.wholeMatch(
                of: /released pool ripv6_01clipool1 \(2001:db8:1000::\/48\); cooldown until \d{4}-\d{2}-\d{2}T[0-9:.]+Z/)
                != nil, "\(console.out)")
        #expect(requests == ["GET 200", "DELETE 200"])
    }

    @Test func releaseOffATerminalNeedsYes() async throws {
        let console = RecordingConsole()
        let (exit, requests) = try await run(API.emptyPool, console: console) { commands, state in
            do {
                try await commands.releasePool(id: API.poolID, yes: false)
            } catch {
                #expect(await state.document().pools.count == 1, "the pool is still there")
                throw error
            }
        }
        #expect(exit == .usage)
        #expect(console.err == ["release pool \(API.poolID) (2001:db8:1000::/48)?: not a terminal, so pass --yes to confirm"])
        #expect(requests == ["GET 200"])
    }

    /// The local gate refusals (ActionGateCheckTests has their words): printed, and only the GET was sent.
    @Test func aGateRefusalIsPrintedWithItsExitStatus() async throws {
        let console = RecordingConsole()
        let (closed, requests) = try await run(API.base, console: console) { commands, _ in
            try await commands.deleteRoute(id: Self.pending, yes: true)
        }
        #expect(closed == .api)
        #expect(console.err.last?.hasSuffix("this one is pending; nothing was sent") == true)
        #expect(requests == ["GET 200"])
        let unknown = RecordingConsole()
        let (usage, _) = try await run(API.base, console: unknown) { commands, _ in
            try await commands.releasePool(id: "ripv6_01unknown", yes: true)
        }
        #expect(usage == .usage)
        #expect(unknown.err == ["no pool ripv6_01unknown in this account"])
    }
}
