import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore

/// The `/api/v2/routed-ipv6` endpoints. Authentication, faults and rate limiting happen before, in
/// ``APIGatewayMiddleware``; a thrown ``APIFailure`` becomes the problem document there.
struct RoutedIPv6Controller {
    /// The largest request body read, in bytes.
    static let maximumBodySize = 64 * 1024

    let state: SimulatorState

    func register(on group: RouterGroup<SimulatorRequestContext>) {
        group.get(use: fetchState)
        group.post(use: perform)
        group.delete("routes/:id", use: deleteRoute)
        group.delete(":id", use: releasePool)
    }

    /// `GET /api/v2/routed-ipv6`: the state document with an `ETag`; 304 when `If-None-Match` matches. With
    /// entity tags turned off (``SimulatorState/setSendsEntityTags(_:)``), the document alone, always.
    @Sendable func fetchState(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let body = Array(try Response.makeEncoder().encode(await state.document()))
        guard await state.sendsEntityTags else { return Response.bytes(body) }
        let tag = EntityTag.of(body)
        if let condition = request.headers[.ifNoneMatch], EntityTag.ifNoneMatch(condition, matches: tag) {
            return Response(status: .notModified, headers: [.eTag: tag])
        }
        var response = Response.bytes(body)
        response.headers[.eTag] = tag
        return response
    }

    /// `POST /api/v2/routed-ipv6`: `allocate_pool` or `create_route`; 201 with the updated document.
    @Sendable func perform(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let body = try await Self.jsonObject(of: request)
        let document =
            switch body["action"] {
            case .string("allocate_pool")?:
                try await state.allocatePool()
            case .string("create_route")?:
                try await state.createRoute(try CreateRouteInput(body: body))
            case nil, .null?:
                throw APIFailure.invalidRequest([
                    FieldIssue(pointer: "/action", detail: "`action` is required.", code: .missingRequired)
                ])
            case let value?:
                throw APIFailure.invalidRequest([
                    FieldIssue(
                        pointer: "/action",
                        detail: "`action` must be `allocate_pool` or `create_route`, not \(Self.describe(value)).",
                        code: .invalidValue
                    )
                ])
            }
        return try .json(document, status: .created)
    }

    /// `DELETE /api/v2/routed-ipv6/routes/{id}`: 200 with the updated document.
    @Sendable func deleteRoute(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        return try .json(try await state.deleteRoute(id: id))
    }

    /// `DELETE /api/v2/routed-ipv6/{id}`: 200 `{"released": true, "cooldownUntil": "…"}`.
    @Sendable func releasePool(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        return try .json(try await state.releasePool(id: id))
    }

    /// The request body as a JSON object, or a 400 `invalid_request` with pointer `""`.
    private static func jsonObject(of request: Request) async throws -> [String: JSONValue] {
        let notAnObject = APIFailure.invalidRequest([
            FieldIssue(pointer: "", detail: "The request body must be a JSON object.", code: .invalidJSON)
        ])
        guard let buffer = try? await request.body.collect(upTo: maximumBodySize),
            let value = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)),
            case .object(let object) = value
        else {
            throw notAnObject
        }
        return object
    }

    private static func describe(_ value: JSONValue) -> String {
        if case .string(let text) = value {
            return "`\(text)`"
        }
        return "a value of type \(value.typeName)"
    }
}
