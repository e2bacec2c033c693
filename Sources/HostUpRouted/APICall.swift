import ArgumentParser
import RoutingAgent

extension Wiring {
    /// Runs `body` with the API commands over a client for the loaded configuration and the process's terminal;
    /// a ``CommandFailure`` (already printed) becomes its exit status. Exits 78 when no usable token is found.
    func withAccountCommands(_ body: (AccountCommands) async throws -> Void) async throws {
        try await withClient { client in
            do {
                try await body(AccountCommands(client: client, console: TerminalConsole.standard))
            } catch let failure as CommandFailure {
                throw ExitCode(failure.exit.rawValue)
            }
        }
    }
}
