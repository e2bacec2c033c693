import ArgumentParser
import RoutingAgent

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The config file.", valueName: "path"))
    var config: String = AgentConfiguration.defaultPath

    @Flag(name: .long, help: "Log debug details.")
    var verbose = false
}
