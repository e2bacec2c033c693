import FoundationEssentials
import HostUpAPISimulator
import Logging
import ServiceLifecycle

/// Runs the simulator as a swift-service-lifecycle service and writes the bound port to `--port-file`.
struct SimulatorService: Service {
    let simulator: APISimulator
    let portFile: String?
    let logger: Logger

    func run() async throws {
        let host = simulator.configuration.host
        let portFile = portFile
        let logger = logger
        try await simulator.run { port in
            logger.info("listening on http://\(host):\(port)")
            guard let portFile else { return }
            do {
                // Atomic: a script polling the file never reads a half-written port.
                try Data("\(port)\n".utf8).write(to: URL(filePath: portFile), options: .atomic)
            } catch {
                logger.error("cannot write --port-file \(portFile): \(error)")
            }
        }
    }
}
