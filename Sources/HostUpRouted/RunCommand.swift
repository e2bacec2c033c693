import ArgumentParser
import Logging
import RoutingAgent
import ServiceLifecycle
import UnixSignals

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: poll the API and keep the kernel converged until SIGTERM.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let wiring = try Wiring(options: options)
        let logger = wiring.logger
        try await wiring.withClient { client in
            let agent = try wiring.agent(client: client)
            let poller = PollService(agent: agent, logger: logger) { degraded in
                logger.info(degraded ? "first reconcile done (API unavailable: degraded)" : "first reconcile done")
            }
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: poller)],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            try await group.run()
        }
    }
}
