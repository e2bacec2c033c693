import ArgumentParser

/// Exit codes, documented in `hostup-routed --help`.
enum ExitCodes {
    /// Some kernel operation failed (the rest were applied).
    static let kernel = ExitCode(1)
    /// The API refused or answered badly: an HTTP error status, an undecodable or invalid answer.
    static let api = ExitCode(2)
    /// The API could not be reached: DNS, connect, TLS, timeout, dropped connection.
    static let transport = ExitCode(3)
    /// Another hostup-routed holds the state directory (EX_TEMPFAIL).
    static let busy = ExitCode(75)
    /// Bad command-line usage (swift-argument-parser's own code).
    static let usage = ExitCode(64)
    /// The configuration, the token or the state file is unusable (EX_CONFIG).
    static let config = ExitCode(78)

    static let help = """
        EXIT STATUS:
          0   success
          1   kernel failure: some operation was refused by the kernel (the others were applied)
          2   API refusal: an HTTP error status, or an undecodable or invalid answer (nothing was changed)
          3   transport failure: the API could not be reached (DNS, connect, TLS, timeout)
          75  busy: the daemon holds the state directory (cleanup while it runs)
          64  usage error
          78  configuration error: config file, token or state file
        """
}

import HostUpAPI
import RoutingAgent

extension ExitCodes {
    /// The exit code for an error from the API client: ``transport`` or ``api``.
    static func code(for error: any Error) -> ExitCode {
        if let error = error as? HostUpAPIError, error.code == .transport { return transport }
        return api
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

    /// The exit code for a local refusal of `routes delete` or `pool release`: an unknown id is a usage error, a
    /// closed gate an API refusal.
    static func code(for refusal: ActionGateCheck.Refusal) -> ExitCode {
        refusal.kind == .unknown ? usage : api
    }
}

/// Prints a local refusal of `routes delete` or `pool release` and returns its exit code to throw.
func refused(_ refusal: ActionGateCheck.Refusal) -> ExitCode {
    printError(refusal.kind == .unknown ? "\(refusal)" : "\(refusal); nothing was sent")
    return ExitCodes.code(for: refusal)
}
