import HostUpAPI
import HostUpAPISimulator
import Logging
import Synchronization
import Testing

/// Runs the in-process simulator on an ephemeral loopback port for the duration of `body`.
enum SimulatorHarness {
    static let poolID = "ripv6_01hxa3b4c5d6e7f8g9h0j1k2m3"
    static let routeID = "ripv6rt_01hxa3b4c5d6e7f8g9h0j1k2m4"
    static let vpsID = "vps_01hxa3b4c5d6e7f8g9h0j1k2m5"
    static let fullToken = "sim-token-full-access"
    static let readOnlyToken = "sim-token-read-only"

    /// One /48 with one /64 routed to one VPS, and two tokens.
    static func configuration(pools: Bool = true) -> APISimulator.Configuration {
        APISimulator.Configuration(
            tokens: [
                fullToken: SimulatedToken.allScopes,
                readOnlyToken: [SimulatedToken.readNetwork, SimulatedToken.readVM],
            ],
            destinations: [
                SimulatedDestination(vpsId: vpsID, name: "web-01", primaryIp: "192.0.2.10", nextHop: "2001:db8::10")
            ],
            pools: pools
                ? [
                    SimulatedPool(
                        id: poolID,
                        parentCidr: "2001:db8:1000::/48",
                        routes: [
                            SimulatedRoute(
                                id: routeID,
                                prefix: "2001:db8:1000:10::/64",
                                vpsId: vpsID,
                                vpsName: "web-01",
                                nextHop: "2001:db8::10",
                                label: "web subnet"
                            )
                        ]
                    )
                ] : [],
            logger: Logger(label: "hostup-api-sim-test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    /// Starts the simulator, passes its state and port to `body`, then stops it.
    static func withSimulator<Result>(
        _ configuration: APISimulator.Configuration = configuration(),
        _ body: (SimulatorState, Int) async throws -> Result
    ) async throws -> Result {
        let simulator = APISimulator(configuration: configuration)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await simulator.run { port in continuation.yield(port) }
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next(), "the simulator did not start")
            return try await body(simulator.state, port)
        }
    }

    /// A client configuration for the simulator on `port`, with short timeouts.
    static func clientConfiguration(
        port: Int,
        token: String = fullToken,
        requestTimeout: Duration = .seconds(5)
    ) throws -> HostUpClient.Configuration {
        try HostUpClient.Configuration(
            baseURL: "http://127.0.0.1:\(port)",
            token: token,
            version: "0.0.0-test",
            connectTimeout: .seconds(2),
            requestTimeout: requestTimeout
        )
    }
}

/// A `LogHandler` that keeps every rendered record, for asserting on log output.
final class CapturingLogHandler: LogHandler, Sendable {
    private let records = Mutex<[String]>([])
    private let state = Mutex<(level: Logger.Level, metadata: Logger.Metadata)>((.trace, [:]))

    var logLevel: Logger.Level {
        get { state.withLock { $0.level } }
        set { state.withLock { $0.level = newValue } }
    }

    var metadata: Logger.Metadata {
        get { state.withLock { $0.metadata } }
        set { state.withLock { $0.metadata = newValue } }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let error = event.error.map { " error=\($0)" } ?? ""
        records.withLock { $0.append("\(event.level) \(event.message) \(merged)\(error)") }
    }

    /// Every record logged so far.
    var lines: [String] { records.withLock { $0 } }

    var logger: Logger {
        Logger(label: "hostup-api-test") { _ in self }
    }
}
