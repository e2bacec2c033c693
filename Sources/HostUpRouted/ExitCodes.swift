import ArgumentParser

/// Exit codes, documented in `hostup-routed --help`.
enum ExitCodes {
    /// Some kernel operation failed (the rest were applied).
    static let kernel = ExitCode(1)
    /// The API could not be used: transport, HTTP status, decoding, or validation of the answer.
    static let api = ExitCode(2)
    /// Bad command-line usage (swift-argument-parser's own code).
    static let usage = ExitCode(64)
    /// The configuration, the token or the state file is unusable (EX_CONFIG).
    static let config = ExitCode(78)

    static let help = """
        EXIT STATUS:
          0   success
          1   kernel failure: some operation was refused by the kernel (the others were applied)
          2   API failure: transport error, HTTP error, undecodable or invalid answer (nothing was changed)
          64  usage error
          78  configuration error: config file, token or state file
        """
}
