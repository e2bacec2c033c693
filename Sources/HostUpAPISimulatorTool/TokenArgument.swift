import ArgumentParser
import HostUpAPISimulator

/// `--token TOKEN[:scope,scope]`: a token the simulator accepts; without scopes it gets every scope.
struct TokenArgument: ExpressibleByArgument {
    var token: SimulatedToken

    init?(argument: String) {
        let parts = argument.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let name = parts.first, !name.isEmpty else { return nil }
        if parts.count == 2 {
            let scopes = parts[1].split(separator: ",").map(String.init)
            token = SimulatedToken(token: String(name), scopes: Set(scopes))
        } else {
            token = SimulatedToken(token: String(name))
        }
    }
}
