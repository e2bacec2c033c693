#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import AsyncHTTPClient
import FoundationEssentials
import HostUpAPI
import Logging
import Netlink
import Reconciliation
import RoutingAgent
import SystemdIntegration

/// Builds the agent's parts from the command line, the config file and the environment; wiring only.
struct Wiring {
    let configuration: AgentConfiguration
    let logger: Logger
    let environment: [String: String]

    /// Loads the configuration; on error prints it and exits 78.
    init(options: GlobalOptions) throws {
        environment = ProcessInfo.processInfo.environment
        let level: Logger.Level = options.verbose ? .debug : .info
        let journal: Bool
        switch options.logTarget {
        case .journal: journal = true
        case .stderr: journal = false
        case .auto: journal = JournalLogHandler.isStandardErrorJournal(environment: environment)
        }
        LoggingSystem.bootstrap { label in
            if journal {
                var handler = JournalLogHandler(label: label)
                handler.logLevel = level
                return FoldingLogHandler(wrapping: handler)
            }
            var handler = LogfmtLogHandler(label: label)
            handler.logLevel = level
            return FoldingLogHandler(wrapping: handler)
        }
        logger = Logger(label: "hostup-routed")
        do {
            configuration = try AgentConfiguration.load(path: options.config, environment: environment)
        } catch {
            printError("\(error)")
            throw ExitCodes.config
        }
    }

    /// Makes an API client for a configuration: resolves the token and checks the URL.
    typealias ClientFactory = @Sendable (AgentConfiguration) throws -> HostUpClient

    /// Runs `body` with a client factory over one HTTP client (connect timeout, no redirects, no retries) that is
    /// shut down afterwards.
    func withClientFactory<Result>(_ body: (@escaping ClientFactory) async throws -> Result) async throws -> Result {
        let environment = self.environment
        let logger = self.logger
        let httpConfiguration = try HostUpClient.Configuration(
            baseURL: "https://localhost", token: "", version: hostupRoutedVersion
        ).httpClientConfiguration
        return try await HTTPClient.withHTTPClient(configuration: httpConfiguration) { http in
            try await body { configuration in
                HostUpClient(
                    configuration: try Self.clientConfiguration(configuration, environment: environment),
                    httpClient: http, logger: logger)
            }
        }
    }

    /// Runs `body` with an API client for the loaded configuration. Exits 78 when no usable token is found.
    func withClient<Result>(_ body: (HostUpClient) async throws -> Result) async throws -> Result {
        let configuration = self.configuration
        return try await withClientFactory { makeClient in
            let client: HostUpClient
            do {
                client = try makeClient(configuration)
            } catch {
                printError("\(error)")
                throw ExitCodes.config
            }
            return try await body(client)
        }
    }

    /// The client settings for `configuration`: its API URL and the token from the credential, file or environment.
    static func clientConfiguration(
        _ configuration: AgentConfiguration, environment: [String: String]
    ) throws -> HostUpClient.Configuration {
        let token = try APIToken.resolve(tokenFile: configuration.tokenFile, environment: environment)
        return try HostUpClient.Configuration(
            baseURL: configuration.apiURL, token: token.secret, version: hostupRoutedVersion)
    }

    /// The receive buffer of the daemon's rtnetlink monitor: `HOSTUP_ROUTED_MONITOR_RCVBUF` (bytes, for tests that
    /// provoke `ENOBUFS`), else ``RTNetlinkMonitor/defaultReceiveBufferSize``.
    var monitorReceiveBufferSize: Int {
        environment["HOSTUP_ROUTED_MONITOR_RCVBUF"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
            ?? RTNetlinkMonitor.defaultReceiveBufferSize
    }

    /// The real kernel (an rtnetlink socket). Exits 1 when the socket cannot be opened.
    func kernel() throws -> RTNetlinkKernel {
        do {
            return try RTNetlinkKernel()
        } catch {
            printError("netlink: \(error)")
            throw ExitCodes.kernel
        }
    }

    /// The agent over the real kernel; `client` is `nil` for commands that need no API, `readOnly` for those that
    /// only report (``Agent/init(configuration:client:kernel:store:logger:localAddresses:now:networkdLinks:runtimeStore:readOnly:)``).
    func agent(client: HostUpClient?, readOnly: Bool = false) throws -> Agent {
        let kernel = try kernel()
        do {
            return try Agent(
                configuration: configuration, client: client, kernel: kernel,
                store: StateStore(directory: configuration.stateDirectory), logger: logger,
                runtimeStore: RuntimeStatusStore(directory: configuration.runtimeDirectory), readOnly: readOnly)
        } catch {
            printError("\(error)")
            throw ExitCodes.config
        }
    }
}

/// Makes SIGUSR1, the daemon's "sync now", harmless to a one-shot command (its default action ends the process):
/// a command that holds the state lock may be taken for the daemon by an older `sync`.
func ignoreSyncRequests() {
    signal(SIGUSR1, SIG_IGN)
}

/// Writes one line to standard error.
func printError(_ line: String) {
    TerminalConsole.standard.warn(line)
}

/// Writes one line to standard output, with control characters from API or config strings escaped.
func say(_ line: String) {
    TerminalConsole.standard.say(line)
}
