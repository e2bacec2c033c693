import ArgumentParser
import FoundationEssentials
import HostUpAPI
import Logging
import Reconciliation
import RoutingAgent

/// Builds the agent's parts from the command line, the config file and the environment; wiring only.
struct Wiring {
    let configuration: AgentConfiguration
    let logger: Logger
    let environment: [String: String]

    /// Loads the configuration; on error prints it and exits 78.
    init(options: GlobalOptions) throws {
        environment = ProcessInfo.processInfo.environment
        let level: Logger.Level = options.verbose ? .debug : .info
        LoggingSystem.bootstrap { label in
            var handler = LogfmtLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        logger = Logger(label: "hostup-routed")
        do {
            configuration = try AgentConfiguration.load(path: options.config, environment: environment)
        } catch {
            printError("config: \(error)")
            throw ExitCodes.config
        }
    }

    /// Runs `body` with an API client that has its own HTTP client (connect timeout, no redirects, no retries),
    /// shut down afterwards. Exits 78 when no usable token is found.
    func withClient<Result>(_ body: (HostUpClient) async throws -> Result) async throws -> Result {
        let clientConfiguration: HostUpClient.Configuration
        do {
            let token = try APIToken.resolve(tokenFile: configuration.tokenFile, environment: environment)
            clientConfiguration = try HostUpClient.Configuration(
                baseURL: configuration.apiURL, token: token.secret, version: hostupRoutedVersion)
        } catch {
            printError("\(error)")
            throw ExitCodes.config
        }
        return try await HostUpClient.withClient(configuration: clientConfiguration, logger: logger, body)
    }

    /// The agent over the real kernel; `client` is `nil` for commands that need no API.
    func agent(client: HostUpClient?) throws -> Agent {
        let kernel: RTNetlinkKernel
        do {
            kernel = try RTNetlinkKernel()
        } catch {
            printError("netlink: \(error)")
            throw ExitCodes.kernel
        }
        do {
            return try Agent(
                configuration: configuration, client: client, kernel: kernel,
                store: StateStore(directory: configuration.stateDirectory), logger: logger)
        } catch {
            printError("\(error)")
            throw ExitCodes.config
        }
    }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    StandardError.write("hostup-routed: \(line)\n")
}
