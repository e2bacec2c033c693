import ArgumentParser
import FoundationEssentials
import RoutingAgent

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the config file and the token's source; exit 78 on an error.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let wiring = try Wiring(options: options)
        let configuration = wiring.configuration
        // Only the default path may be missing (AgentConfiguration.load refuses any other): say so, not "ok".
        let exists = FileManager.default.fileExists(atPath: options.config)
        // The token first: the file is "ok" only when the command succeeds.
        let token: Result<APIToken, any Error> = Result {
            try APIToken.resolve(tokenFile: configuration.tokenFile, environment: wiring.environment)
        }
        let problem: String? = if case .failure(let error) = token { "\(error)" } else { nil }
        for line in configuration.checkLines(path: options.config, fileExists: exists, tokenProblem: problem) {
            say(line)
        }
        switch token {
        case .success(let token): say("  token         = \(token)")
        case .failure(let error):
            printError("\(error)")
            throw ExitCodes.config
        }
    }
}
