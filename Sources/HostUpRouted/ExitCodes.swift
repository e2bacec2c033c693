import ArgumentParser
import RoutingAgent

/// Exit codes, documented in `hostup-routed --help`: ``CommandExit``'s, as swift-argument-parser's `ExitCode`.
enum ExitCodes {
    /// Some kernel operation failed (the rest were applied).
    static let kernel = ExitCode(CommandExit.kernel.rawValue)
    /// The API refused or answered badly: an HTTP error status, an undecodable or invalid answer.
    static let api = ExitCode(CommandExit.api.rawValue)
    /// The API could not be reached: DNS, connect, TLS, timeout, dropped connection.
    static let transport = ExitCode(CommandExit.transport.rawValue)
    /// Another hostup-routed holds the state directory (EX_TEMPFAIL).
    static let busy = ExitCode(CommandExit.busy.rawValue)
    /// Bad command-line usage (swift-argument-parser's own code).
    static let usage = ExitCode(CommandExit.usage.rawValue)
    /// The configuration, the token or the state file is unusable (EX_CONFIG).
    static let config = ExitCode(CommandExit.config.rawValue)

    static let help = """
        EXIT STATUS:
          0   success
          1   kernel failure: some operation was refused by the kernel (the others were applied)
          2   API refusal: an HTTP error status (nothing was changed), or an undecodable or invalid answer
          3   transport failure: the API could not be reached (DNS, connect, TLS, timeout)
          75  busy: the daemon holds the state directory (cleanup while it runs)
          64  usage error
          78  configuration error: config file, token or state file
        """
}

extension ExitCodes {
    /// The exit code for an error from the API client: ``transport`` or ``api``.
    static func code(for error: any Error) -> ExitCode {
        ExitCode(AccountCommands.exit(for: error).rawValue)
    }

    /// The exit code for a failure the daemon recorded in its runtime status.
    static func code(for recorded: RuntimeStatus.Failure) -> ExitCode {
        switch recorded.kind {
        case .apiTransport: transport
        case .kernel: kernel
        case .noToken: config
        case .apiStatus, .apiDecoding, .identity, .other: api
        }
    }
}
