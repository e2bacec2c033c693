import Hummingbird
import Logging
import NIOCore

/// A local stand-in for the HostUp cloud API's routed-IPv6 endpoints, for tests and demos.
///
/// It implements `GET`/`POST /api/v2/routed-ipv6`, `DELETE /api/v2/routed-ipv6/routes/{id}` and
/// `DELETE /api/v2/routed-ipv6/{id}` as the provider's page for `POST /api/v2/routed-ipv6` describes them: bearer
/// tokens with scopes, the state document with its `actions.*` gates, RFC 7807 problem documents, 409 without a
/// body, `ETag`/`If-None-Match`, and `X-RateLimit-*` headers with 429 and `Retry-After`. Test-only `/_sim/*`
/// endpoints seed the account and inject faults (see ``SimulatorState`` for the same operations in process).
///
/// ```swift
/// let simulator = APISimulator(configuration: .init())
/// try await simulator.run { port in print("http://127.0.0.1:\(port)") }
/// ```
///
/// - Important: Plain HTTP, no real authentication: never expose it beyond loopback or a test network.
public struct APISimulator: Sendable {
    /// The configuration it was created with.
    public let configuration: Configuration
    /// The live state, shared by every request; seed and inspect it directly from in-process tests.
    public let state: SimulatorState

    /// Creates a simulator and its state; nothing listens until ``run(onListening:)``.
    ///
    /// - Parameter configuration: Address, tokens, initial account and rate budget.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.state = SimulatorState(configuration: configuration)
    }

    /// Serves HTTP until the calling task is cancelled, or a graceful shutdown when run as part of a
    /// swift-service-lifecycle `ServiceGroup`.
    ///
    /// A graceful shutdown lets requests in flight finish (a `hang` fault gives up and answers normally);
    /// cancellation ends them at once.
    ///
    /// - Parameter onListening: Called once, with the bound TCP port (the ephemeral one when the configured port is
    ///   0), as soon as the server accepts connections.
    /// - Throws: When the address cannot be bound (e.g. `EADDRINUSE`), or the server fails.
    public func run(onListening: @escaping @Sendable (Int) async -> Void) async throws {
        let router = Router(context: SimulatorRequestContext.self)
        router.add(middleware: RequestLogMiddleware(logger: configuration.logger))
        RoutedIPv6Controller(state: state)
            .register(on: router.group("api/v2/routed-ipv6").add(middleware: APIGatewayMiddleware(state: state)))
        SimulatorControlController(state: state).register(on: router.group("_sim"))

        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "hostup-api-sim"
            ),
            onServerRunning: { channel in
                await onListening(channel.localAddress?.port ?? 0)
            },
            logger: configuration.logger
        )
        try await application.run()
    }
}
