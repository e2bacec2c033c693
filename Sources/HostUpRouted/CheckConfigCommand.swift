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
        say("config \(options.config): ok")
        say("  api_url       = \(configuration.apiURL)")
        say("  vps_id        = \(configuration.vpsID ?? "(auto-detect)")")
        say("  poll_interval = \(configuration.pollInterval.configText)")
        say("  uplink        = \(configuration.uplink ?? "(interface of the IPv6 default route, remembered once known)")")
        say("  state_dir     = \(configuration.stateDirectory)")
        say("  nonlocal_bind = \(configuration.nonlocalBind)" + (configuration.nonlocalBind ? " (net.ipv6.ip_nonlocal_bind=1 while a prefix is bound anyip)" : " (net.ipv6.ip_nonlocal_bind is left alone)"))
        if configuration.bindings.isEmpty {
            say("  bindings      = (none: every route is bound anyip on lo)")
        }
        for (index, binding) in configuration.bindings.enumerated() {
            say("  bindings[\(index)]   = \(binding)")
        }
        do {
            let token = try APIToken.resolve(tokenFile: configuration.tokenFile, environment: wiring.environment)
            say("  token         = \(token)")
        } catch {
            printError("\(error)")
            throw ExitCodes.config
        }
    }
}
