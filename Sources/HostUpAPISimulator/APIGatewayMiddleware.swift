import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// Everything that happens to an `/api/*` request before and around its handler, in the API's order.
///
/// 1. Mint the `req_…` id and log the request (``SimulatorState/requests()``).
/// 2. Draw faults: add latency; hang until the faults are cleared; drop the connection; answer 500, 429, or a
///    truncated 200 instead of the real answer.
/// 3. Count the request against the rate budget: 429 with `Retry-After` past it.
/// 4. Authenticate: 401 without a known bearer token; 403 naming the missing scope (`GET` needs `read:network` and
///    `read:vm`, `POST` and `DELETE` need `write:network`).
/// 5. Run the handler, rendering a thrown ``APIFailure`` as a problem document.
///
/// Every answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` and `X-Request-Id`.
struct APIGatewayMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext

    /// Thrown after a `dropConnection` fault closed the connection, so nothing is written.
    struct DroppedConnection: Error {}

    let state: SimulatorState

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.requestID = SimulatorIdentifier.make("req_")
        let path = request.uri.path
        let token = Self.bearerToken(request.headers[.authorization])
        let (sequence, scopes) = await state.begin(method: request.method.rawValue, path: path, token: token)

        let plan = await state.drawFaults()
        if plan.latency > .zero {
            try await Task.sleep(for: plan.latency)
        }
        switch plan.outcome?.kind {
        case .hang?:
            // NOTE: the client may give up meanwhile; the request then ends when faults are cleared or the
            // server stops (cancellation ends the sleep; a graceful shutdown ends the loop).
            while !(await state.faultsCleared(since: plan.clearings)), !Task.isShuttingDownGracefully {
                try await Task.sleep(for: .milliseconds(50))
            }
        case .dropConnection?:
            try? await context.channel.close()
            throw DroppedConnection()
        default:
            break
        }

        let budget = await state.consumeRateBudget()
        var response = await answer(
            request,
            context: context,
            plan: plan,
            budget: budget,
            hadToken: token != nil,
            scopes: scopes,
            next: next
        )
        if response.headers[.rateLimitLimit] == nil {
            response.headers[.rateLimitLimit] = String(budget.limit)
            response.headers[.rateLimitRemaining] = String(budget.remaining)
            response.headers[.rateLimitReset] = SimulatorTimestamp.string(from: budget.reset)
        }
        response.headers[.requestID] = context.requestID
        await state.finish(sequence: sequence, status: response.status.code)
        return response
    }

    private func answer(
        _ request: Request,
        context: Context,
        plan: FaultPlan,
        budget: RateLimitWindow.Decision,
        hadToken: Bool,
        scopes: Set<String>?,
        next: (Request, Context) async throws -> Response
    ) async -> Response {
        let path = request.uri.path
        func problem(_ failure: APIFailure) -> Response {
            .problem(failure, instance: path, requestID: context.requestID)
        }

        switch plan.outcome?.kind {
        case .status500?:
            return problem(.internalError("Simulated internal error. Retry later."))
        case .rateLimit?:
            let seconds = plan.outcome?.retryAfter ?? 30
            var response = problem(.rateLimited(retryAfterSeconds: seconds))
            response.headers[.retryAfter] = String(seconds)
            response.headers[.rateLimitLimit] = String(budget.limit)
            response.headers[.rateLimitRemaining] = "0"
            response.headers[.rateLimitReset] = SimulatorTimestamp.string(
                from: Date().addingTimeInterval(Double(seconds))
            )
            return response
        case .malformedJSON?:
            let body = (try? Response.makeEncoder().encode(await state.document())).map { Array($0) } ?? []
            return .bytes(Array(body.prefix(body.count / 2)))
        case .slowBody?:
            let interval = plan.outcome?.byteInterval ?? .seconds(5)
            let length = 100_000
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(contentLength: length) { writer in
                    for _ in 0..<length {
                        try await writer.write(ByteBuffer(bytes: [UInt8(ascii: " ")]))
                        try await Task.sleep(for: interval)
                    }
                    try await writer.finish(nil)
                })
        default:
            break
        }

        if !budget.allowed {
            var response = problem(.rateLimited(retryAfterSeconds: budget.retryAfterSeconds))
            response.headers[.retryAfter] = String(budget.retryAfterSeconds)
            return response
        }

        guard hadToken else {
            return problem(.unauthorized("Authentication is required: send `Authorization: Bearer <token>`."))
        }
        guard let scopes else {
            return problem(.unauthorized("The API token is not valid."))
        }
        let required =
            request.method == .get
            ? [SimulatedToken.readNetwork, SimulatedToken.readVM] : [SimulatedToken.writeNetwork]
        let missing = required.filter { !scopes.contains($0) }
        if !missing.isEmpty {
            let list = missing.map { "`\($0)`" }.joined(separator: " and ")
            return problem(.forbidden("The API token lacks the required scope \(list)."))
        }

        do {
            return try await next(request, context)
        } catch let failure as APIFailure {
            return problem(failure)
        } catch {
            return problem(.internalError("The simulator failed: \(error)."))
        }
    }

    /// The token of an `Authorization: Bearer <token>` field (scheme case-insensitive, RFC 6750 §2.1), or `nil`.
    static func bearerToken(_ field: String?) -> String? {
        guard let field else { return nil }
        let parts = field.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].drop(while: { $0 == " " })
        return token.isEmpty ? nil : String(token)
    }
}
