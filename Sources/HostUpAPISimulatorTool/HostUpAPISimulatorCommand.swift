import ArgumentParser
import HostUpAPISimulator
import IPv6Addressing
import Logging
import ServiceLifecycle
import UnixSignals

/// `hostup-api-sim`: serves the simulated HostUp routed-IPv6 API until SIGTERM or SIGINT (a graceful shutdown).
@main
struct HostUpAPISimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hostup-api-sim",
        abstract: "Simulate the HostUp routed-IPv6 API (GET/POST /api/v2/routed-ipv6) for tests and demos.",
        discussion: """
            Control endpoints (no auth): POST /_sim/seed, GET /_sim/state, POST /_sim/destinations, \
            POST /_sim/tokens, DELETE /_sim/routes/{id}, POST|DELETE /_sim/fault, POST /_sim/rate-limit, \
            GET|DELETE /_sim/requests, POST /_sim/entity-tags.
            """
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "TCP port; 0 picks a free one (see --port-file).")
    var port = 0

    @Option(
        name: .customLong("token"),
        help: "Accepted token, TOKEN[:scope,scope] (repeatable; no scopes = all). Default: sim-token with all scopes."
    )
    var tokens: [TokenArgument] = []

    @Option(
        name: .customLong("destination"),
        help: "A VPS of the account, vpsId,name,primaryIp,nextHop; empty fields are null (repeatable)."
    )
    var destinations: [DestinationArgument] = []

    @Option(name: .customLong("pool"), help: "Pre-allocate this /48 (repeatable).")
    var pools: [String] = []

    @Option(help: "Parent prefix whose /48s allocate_pool hands out in order.")
    var poolSupply = "2001:db8:1000::/36"

    @Option(help: "Requests allowed per rate-limit window.")
    var rateLimit = 600

    @Option(help: "Rate-limit window, in seconds.")
    var rateWindow = 60

    @Option(help: "Write the bound port (and a newline) to this file once listening.")
    var portFile: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        for pool in pools {
            do { _ = try IPv6Prefix(pool) } catch { throw ValidationError("--pool \(pool): \(error)") }
        }
        do { _ = try IPv6Prefix(poolSupply) } catch { throw ValidationError("--pool-supply \(poolSupply): \(error)") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard rateLimit >= 0, rateWindow > 0 else {
            throw ValidationError("--rate-limit and --rate-window must be positive")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let tokenTable =
            tokens.isEmpty
            ? ["sim-token": SimulatedToken.allScopes]
            : Dictionary(tokens.map { ($0.token.token, $0.token.scopes) }, uniquingKeysWith: { _, last in last })
        let logger = Logger(label: "hostup-api-sim")
        let simulator = APISimulator(
            configuration: .init(
                host: host,
                port: port,
                tokens: tokenTable,
                destinations: destinations.map(\.destination),
                pools: pools.map { SimulatedPool(parentCidr: $0) },
                poolSupply: try IPv6Prefix(poolSupply),
                rateLimit: RateLimitPolicy(limit: rateLimit, window: .seconds(rateWindow)),
                logger: logger
            )
        )
        let services = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [SimulatorService(simulator: simulator, portFile: portFile, logger: logger)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await services.run()
    }
}
