import Hummingbird
import Logging

/// Logs one info line per request once it is answered: `POST /api/v2/routed-ipv6 → 201`.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext

    let logger: Logger

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let line = "\(request.method.rawValue) \(request.uri.path)"
        do {
            let response = try await next(request, context)
            logger.info("\(line) → \(response.status.code)")
            return response
        } catch is APIGatewayMiddleware.DroppedConnection {
            logger.info("\(line) → connection dropped (fault)")
            throw APIGatewayMiddleware.DroppedConnection()
        } catch {
            logger.info("\(line) → failed: \(error)")
            throw error
        }
    }
}
