import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore

/// The `/_sim/*` control endpoints: no authentication, never faulted, never logged as API requests.
///
/// Test and demo only. Bodies are JSON; a body that does not decode gets 400 `{"error": "…"}`.
/// - `POST /_sim/seed` (``SimulatorSeed``) → the snapshot
/// - `GET /_sim/state` → ``SimulatorSnapshot``
/// - `POST /_sim/destinations` (``SimulatedDestination``) → the snapshot
/// - `POST /_sim/tokens` (``SimulatedToken``) → the snapshot
/// - `DELETE /_sim/routes/{id}` → the snapshot, or 404
/// - `POST /_sim/fault` (``SimulatedFault``), `DELETE /_sim/fault` → `{"faults": […]}`
/// - `POST /_sim/rate-limit` (``RateLimitPolicy``, `{"limit": N, "windowSeconds": S}`) → the snapshot; starts a
///   fresh window
/// - `GET /_sim/requests` → `[RecordedRequest]`; `DELETE /_sim/requests` empties the log
/// - `POST /_sim/entity-tags` (`{"enabled": false}`) → the same; off, `GET /api/v2/routed-ipv6` sends no `ETag`
///   and ignores `If-None-Match` (always `200` with the document)
struct SimulatorControlController {
    private struct ControlError: Encodable {
        var error: String
    }

    private struct Faults: Encodable {
        var faults: [SimulatedFault]
    }

    private struct EntityTags: Codable {
        var enabled: Bool
    }

    let state: SimulatorState

    func register(on group: RouterGroup<SimulatorRequestContext>) {
        group.post("seed") { request, _ in
            try await respond(decoding: SimulatorSeed.self, from: request) { seed in
                await state.seed(seed)
                return try .json(await state.snapshot())
            }
        }
        group.get("state") { _, _ in
            try Response.json(await state.snapshot())
        }
        group.post("destinations") { request, _ in
            try await respond(decoding: SimulatedDestination.self, from: request) { destination in
                await state.addDestination(destination)
                return try .json(await state.snapshot())
            }
        }
        group.post("tokens") { request, _ in
            try await respond(decoding: SimulatedToken.self, from: request) { token in
                await state.setToken(token)
                return try .json(await state.snapshot())
            }
        }
        group.delete("routes/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard await state.removeRoute(id: id) else {
                return try Response.json(ControlError(error: "no route \(id)"), status: .notFound)
            }
            return try .json(await state.snapshot())
        }
        group.post("fault") { request, _ in
            try await respond(decoding: SimulatedFault.self, from: request) { fault in
                await state.injectFault(fault)
                return try .json(Faults(faults: await state.snapshot().faults))
            }
        }
        group.delete("fault") { _, _ in
            await state.clearFaults()
            return try Response.json(Faults(faults: []))
        }
        group.post("rate-limit") { request, _ in
            try await respond(decoding: RateLimitPolicy.self, from: request) { policy in
                await state.setRateLimit(policy)
                return try .json(await state.snapshot())
            }
        }
        group.get("requests") { _, _ in
            try Response.json(await state.requests())
        }
        group.post("entity-tags") { request, _ in
            try await respond(decoding: EntityTags.self, from: request) { setting in
                await state.setSendsEntityTags(setting.enabled)
                return try .json(setting)
            }
        }
        group.delete("requests") { _, _ in
            await state.clearRequests()
            return try Response.json([RecordedRequest]())
        }
    }

    private func respond<Body: Decodable>(
        decoding type: Body.Type,
        from request: Request,
        _ handle: (Body) async throws -> Response
    ) async throws -> Response {
        let body: Body
        do {
            let buffer = try await request.body.collect(upTo: 1 << 20)
            body = try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch {
            return try .json(ControlError(error: "invalid \(Body.self) body: \(error)"), status: .badRequest)
        }
        return try await handle(body)
    }
}
