import HostUpAPI
import HostUpAPISimulator
import Logging
import Testing

@Suite struct HostUpClientTests {
    private let logger = Logger(label: "hostup-api-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `body` with a client for a fresh simulator.
    private func withClient<Result>(
        simulator: APISimulator.Configuration = SimulatorHarness.configuration(),
        token: String = SimulatorHarness.fullToken,
        requestTimeout: Duration = .seconds(5),
        logger: Logger? = nil,
        _ body: (HostUpClient, SimulatorState) async throws -> Result
    ) async throws -> Result {
        try await SimulatorHarness.withSimulator(simulator) { state, port in
            let configuration = try SimulatorHarness.clientConfiguration(
                port: port, token: token, requestTimeout: requestTimeout)
            return try await HostUpClient.withClient(configuration: configuration, logger: logger ?? self.logger) {
                try await body($0, state)
            }
        }
    }

    /// The `HostUpAPIError` that `operation` throws.
    private func apiError(_ operation: () async throws -> Void) async throws -> HostUpAPIError {
        do {
            try await operation()
        } catch let error as HostUpAPIError {
            return error
        }
        Issue.record("expected a HostUpAPIError")
        throw CancellationError()
    }

    @Test func fetchesTheStateDocument() async throws {
        try await withClient { client, state in
            guard case .modified(let document, let etag, _) = try await client.routedIPv6State() else {
                Issue.record("expected a document")
                return
            }
            #expect(etag != nil)
            let pool = try #require(document.pools.first)
            #expect(pool.id == SimulatorHarness.poolID)
            #expect(pool.parentCidr == "2001:db8:1000::/48")
            let route = try #require(pool.routes.first)
            #expect(route.id == SimulatorHarness.routeID)
            #expect(route.prefix == "2001:db8:1000:10::/64")
            #expect(route.status == .active)
            #expect(route.vpsId == SimulatorHarness.vpsID)
            #expect(document.destinations?.first?.nextHop == "2001:db8::10")
            let requests = await state.requests().filter { $0.path.hasPrefix("/api/") }
            #expect(requests.map(\.method) == ["GET"])
            #expect(requests.first?.hadValidToken == true)
        }
    }

    @Test func sendsIfNoneMatchAndReturnsNotModifiedOn304() async throws {
        try await withClient { client, _ in
            guard case .modified(_, let etag?, _) = try await client.routedIPv6State() else {
                Issue.record("expected a document with an ETag")
                return
            }
            #expect(try await client.routedIPv6State(ifNoneMatch: etag) == .notModified)
            guard case .modified = try await client.routedIPv6State(ifNoneMatch: "\"stale\"") else {
                Issue.record("a stale ETag must fetch the document")
                return
            }
        }
    }

    @Test func withoutEntityTagsEveryFetchGetsTheDocument() async throws {
        try await withClient { client, state in
            guard case .modified(_, let etag?, _) = try await client.routedIPv6State() else {
                Issue.record("expected a document with an ETag")
                return
            }
            await state.setSendsEntityTags(false)
            guard case .modified(_, nil, _) = try await client.routedIPv6State(ifNoneMatch: etag) else {
                Issue.record("with entity tags off, a matching If-None-Match must still get the document, untagged")
                return
            }
            await state.setSendsEntityTags(true)
            #expect(try await client.routedIPv6State(ifNoneMatch: etag) == .notModified)
        }
    }

    @Test func anIdenticalBodyIsRecognisedWithoutDecodingItAgain() async throws {
        try await withClient { client, state in
            await state.setSendsEntityTags(false)
            guard case .modified(let document, nil, let body) = try await client.routedIPv6State() else {
                Issue.record("expected a document without an ETag")
                return
            }
            #expect(try await client.routedIPv6State(previousBody: body) == .unchanged)
            var other = body
            other[other.count - 1] = UInt8(ascii: " ")
            guard case .modified(let again, nil, _) = try await client.routedIPv6State(previousBody: other) else {
                Issue.record("a body that differs in one byte must be decoded")
                return
            }
            #expect(again == document)
        }
    }

    @Test func allocatesAPoolCreatesDeletesARouteAndReleasesThePool() async throws {
        try await withClient(simulator: SimulatorHarness.configuration(pools: false)) { client, _ in
            let allocated = try await client.allocatePool()
            let pool = try #require(allocated.pools.first)
            #expect(pool.prefixLength == 48)

            let created = try await client.createRoute(
                CreateRouteRequest(poolId: pool.id, vpsId: SimulatorHarness.vpsID, prefixLength: 56, label: "lab"))
            let route = try #require(created.pools.first?.routes.first)
            #expect(route.prefixLength == 56)
            #expect(route.label == "lab")
            #expect(route.prefix.hasPrefix(pool.parentCidr.split(separator: ":").prefix(3).joined(separator: ":")))

            let afterDelete = try await client.deleteRoute(id: route.id)
            #expect(afterDelete.map { $0.pools.first?.routes.isEmpty } == true)

            let released = try await client.releasePool(id: pool.id)
            #expect(released.released == true)
        }
    }

    @Test func percentEncodesIDsIntoOnePathSegment() async throws {
        try await withClient { client, state in
            let error = try await apiError { _ = try await client.deleteRoute(id: "a/b c") }
            #expect(error.code == .notFound)
            let paths = await state.requests().map(\.path)
            #expect(paths.contains("/api/v2/routed-ipv6/routes/a%2Fb%20c"))
        }
    }

    @Test func missingTokenIs401NamingTheReadScopes() async throws {
        try await withClient(token: "") { client, state in
            let error = try await apiError { _ = try await client.routedIPv6State() }
            #expect(error.code == .unauthorized)
            #expect(error.status == 401)
            #expect(error.problem?.status == 401)
            #expect(error.message.contains("read:network and read:vm"))
            #expect(await state.requests().first?.hadToken == false)
        }
    }

    @Test func unknownTokenIs401() async throws {
        try await withClient(token: "not-a-known-token") { client, _ in
            let error = try await apiError { _ = try await client.routedIPv6State() }
            #expect(error.code == .unauthorized)
        }
    }

    @Test func missingWriteScopeIs403NamingIt() async throws {
        try await withClient(token: SimulatorHarness.readOnlyToken) { client, _ in
            let error = try await apiError { _ = try await client.allocatePool() }
            #expect(error.code == .forbidden)
            #expect(error.status == 403)
            #expect(error.message.contains("write:network"))
            #expect(error.problem?.detail?.contains("write:network") == true)
        }
    }

    @Test func invalidCreateRouteIs400WithFieldErrors() async throws {
        try await withClient { client, _ in
            let error = try await apiError {
                _ = try await client.createRoute(
                    CreateRouteRequest(poolId: "", vpsId: SimulatorHarness.vpsID, prefixLength: 60))
            }
            #expect(error.code == .httpStatus)
            #expect(error.status == 400)
            let problem = try #require(error.problem)
            #expect(problem.code == "invalid_request")
            #expect(Set(problem.errors?.map(\.pointer) ?? []) == ["/poolId", "/prefixLength"])
            #expect(error.description.contains("/prefixLength: "))
        }
    }

    @Test func conflictWithoutBodyIsExplained() async throws {
        try await withClient { client, _ in
            let error = try await apiError { _ = try await client.allocatePool() }
            #expect(error.code == .conflict)
            #expect(error.status == 409)
            #expect(error.problem == nil)
            #expect(
                error.message.contains(
                    "the account already has a routed /48, the requested prefix overlaps an existing route, "
                        + "or no capacity remains"))
        }
    }

    @Test func aBodyTrickledByteByByteEndsAtTheWholeRequestDeadline() async throws {
        // Headers with Content-Length: 100000, then one byte every 200 ms: the read timeout never fires, so only
        // a deadline over the whole exchange ends the request.
        try await withClient(requestTimeout: .seconds(1)) { client, state in
            await state.injectFault(SimulatedFault(kind: .slowBody, milliseconds: 200))
            let started = ContinuousClock.now
            let error = try await apiError { _ = try await client.routedIPv6State() }
            let took = ContinuousClock.now - started
            #expect(error.code == .transport)
            #expect(error.message.contains("no complete answer within 1 s"))
            // The bound itself, not a timing figure: the request did not wait for the 100 000 bytes (20 000 s).
            #expect(took < .seconds(30))
        }
    }

    /// SIGTERM cancels the daemon's loop: a request in flight must end with it, not wait for its 30 s deadline.
    @Test(arguments: [SimulatedFault.Kind.hang, .slowBody])
    func cancellationEndsARequestInFlight(kind: SimulatedFault.Kind) async throws {
        try await withClient(requestTimeout: .seconds(30)) { client, state in
            await state.injectFault(SimulatedFault(kind: kind, milliseconds: 200))
            let started = ContinuousClock.now
            let request = Task { try await client.routedIPv6State() }
            try await Task.sleep(for: .milliseconds(300))
            request.cancel()
            await #expect(throws: (any Error).self) { _ = try await request.value }
            #expect(ContinuousClock.now - started < .seconds(10), "the request outlived its cancellation")
            await state.clearFaults()
        }
    }

    @Test func rateLimitCarriesRetryAfterAndReset() async throws {
        try await withClient { client, state in
            await state.injectFault(SimulatedFault(kind: .rateLimit, count: 1, retryAfterSeconds: 7))
            let error = try await apiError { _ = try await client.routedIPv6State() }
            #expect(error.code == .rateLimited)
            #expect(error.status == 429)
            #expect(error.retryAfter == .seconds(7))
            #expect(error.rateLimitReset?.isEmpty == false)
            #expect(error.problem?.status == 429)
            // The fault was for one request only.
            guard case .modified = try await client.routedIPv6State() else {
                Issue.record("expected a document after the fault")
                return
            }
        }
    }

    @Test func serverErrorIsHTTPStatusWithProblem() async throws {
        try await withClient { client, state in
            await state.injectFault(SimulatedFault(kind: .status500, count: 1))
            let error = try await apiError { _ = try await client.routedIPv6State() }
            #expect(error.code == .httpStatus)
            #expect(error.status == 500)
            #expect(error.problem?.status == 500)
            #expect(error.message.contains("server error"))
        }
    }

    @Test func malformedJSONIsADecodingError() async throws {
        try await withClient { client, state in
            await state.injectFault(SimulatedFault(kind: .malformedJSON, count: 1))
            let error = try await apiError { _ = try await client.routedIPv6State() }
            #expect(error.code == .decoding)
            #expect(error.status == 200)
            #expect(error.cause != nil)
        }
    }

    @Test func responseLargerThanTheLimitIsRefused() async throws {
        try await SimulatorHarness.withSimulator { _, port in
            let configuration = try HostUpClient.Configuration(
                baseURL: "http://127.0.0.1:\(port)", token: SimulatorHarness.fullToken, version: "0",
                maximumResponseBytes: 64)
            try await HostUpClient.withClient(configuration: configuration, logger: logger) { client in
                let error = try await apiError { _ = try await client.routedIPv6State() }
                #expect(error.code == .decoding)
                #expect(error.message.contains("exceeds 64 bytes"))
            }
        }
    }

    @Test func droppedConnectionIsATransportError() async throws {
        try await withClient { client, state in
            await state.injectFault(SimulatedFault(kind: .dropConnection, count: 1))
            let error = try await apiError { _ = try await client.routedIPv6State() }
            #expect(error.code == .transport)
            #expect(error.status == nil)
            #expect(error.cause != nil)
        }
    }

    @Test func hangingServerHitsTheRequestDeadline() async throws {
        try await withClient(requestTimeout: .milliseconds(500)) { client, state in
            await state.injectFault(SimulatedFault(kind: .hang))
            let start = ContinuousClock.now
            let error = try await apiError { _ = try await client.routedIPv6State() }
            #expect(error.code == .transport)
            #expect(error.message.contains("timed out"))
            #expect(ContinuousClock.now - start < .seconds(4))
            await state.clearFaults()
        }
    }

    @Test func refusedConnectionIsATransportError() async throws {
        // Port 1 on loopback: nothing listens there, so connect(2) answers ECONNREFUSED.
        let configuration = try SimulatorHarness.clientConfiguration(port: 1)
        try await HostUpClient.withClient(configuration: configuration, logger: logger) { client in
            let error = try await apiError { _ = try await client.routedIPv6State() }
            #expect(error.code == .transport)
            #expect(error.message.contains("GET /api/v2/routed-ipv6"))
            // Issue 12: NIO's own text had a stray ")" ("... Connection refused) (errno: 111)").
            #expect(error.message == "GET /api/v2/routed-ipv6: connection refused: Connection refused (errno 111)")
        }
    }

    @Test func tlsHandshakeFailureIsATransportError() async throws {
        // HTTPS to the simulator's plain-HTTP port: the TLS handshake fails.
        try await SimulatorHarness.withSimulator { _, port in
            let configuration = try HostUpClient.Configuration(
                baseURL: "https://127.0.0.1:\(port)", token: "t", version: "0", requestTimeout: .seconds(5))
            try await HostUpClient.withClient(configuration: configuration, logger: logger) { client in
                let error = try await apiError { _ = try await client.routedIPv6State() }
                #expect(error.code == .transport)
                // Issue 12: NIOSSL's dump (type names, BoringSSL's build path) is not shown; its reason is.
                #expect(
                    error.message
                        == "GET /api/v2/routed-ipv6: TLS failed: the server did not answer in TLS (is it plain HTTP on this port? check the scheme of api_url)")
            }
        }
    }

    @Test func unresolvableHostIsATransportError() async throws {
        // RFC 6761 §6.4: `.invalid` names never resolve.
        let configuration = try HostUpClient.Configuration(
            baseURL: "https://no-such-host.invalid", token: "t", version: "0", requestTimeout: .seconds(5))
        try await HostUpClient.withClient(configuration: configuration, logger: logger) { client in
            let error = try await apiError { _ = try await client.routedIPv6State() }
            #expect(error.code == .transport)
        }
    }

    @Test func insecureURLIsRefusedBeforeAnyRequest() {
        #expect(throws: HostUpAPIError(code: .insecureURL, message: "")) {
            try HostUpClient.Configuration(baseURL: "http://cloud.hostup.se", token: "t", version: "1")
        }
    }

    @Test func tokenNeverAppearsInErrorsOrLogs() async throws {
        let token = "hu_live_SUPERSECRET_0123456789"
        let capture = CapturingLogHandler()
        var simulator = SimulatorHarness.configuration()
        simulator.tokens[token] = [SimulatedToken.readNetwork, SimulatedToken.readVM]
        var errors: [HostUpAPIError] = []
        try await withClient(simulator: simulator, token: token, logger: capture.logger) { client, state in
            _ = try await client.routedIPv6State()
            errors.append(try await apiError { _ = try await client.allocatePool() })  // 403
            for kind: SimulatedFault.Kind in [.rateLimit, .status500, .malformedJSON, .dropConnection] {
                await state.injectFault(SimulatedFault(kind: kind, count: 1))
                errors.append(try await apiError { _ = try await client.routedIPv6State() })
            }
        }
        #expect(errors.count == 5)
        #expect(!capture.lines.isEmpty)
        var texts = capture.lines
        for error in errors {
            texts += [error.description, error.message, String(reflecting: error), "\(error.cause.map { "\($0)" } ?? "")"]
        }
        for text in texts {
            #expect(!text.contains(token), "token leaked in: \(text)")
        }
    }
}
