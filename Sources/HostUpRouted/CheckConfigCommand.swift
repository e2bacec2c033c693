import ArgumentParser
import RoutingAgent

struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the config file and the token's source; exit 78 on an error.")

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let wiring = try Wiring(options: options)
        let configuration = wiring.configuration
        print("config \(options.config): ok")
        print("  api_url       = \(configuration.apiURL)")
        print("  vps_id        = \(configuration.vpsID ?? "(auto-detect)")")
        print("  poll_interval = \(configuration.pollInterval.configText)")
        print("  uplink        = \(configuration.uplink ?? "(interface of the IPv6 default route, remembered once known)")")
        print("  state_dir     = \(configuration.stateDirectory)")
        print("  nonlocal_bind = \(configuration.nonlocalBind) (net.ipv6.ip_nonlocal_bind=1 while a prefix is bound anyip)")
        if configuration.bindings.isEmpty {
            print("  bindings      = (none: every route is bound anyip on lo)")
        }
        for (index, binding) in configuration.bindings.enumerated() {
            print("  bindings[\(index)]   = \(binding)")
        }
        do {
            let token = try APIToken.resolve(tokenFile: configuration.tokenFile, environment: wiring.environment)
            print("  token         = \(token)")
        } catch {
            printError("\(error)")
            throw ExitCodes.config
        }
    }
}
