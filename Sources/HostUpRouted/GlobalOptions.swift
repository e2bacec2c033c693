import ArgumentParser
import RoutingAgent

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The config file.", valueName: "path"))
    var config: String = AgentConfiguration.defaultPath

    @Flag(name: .long, help: "Log debug details.")
    var verbose = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where logs go: journal (structured entries through sd_journal_sendv), stderr (one logfmt line a record), or auto (journal when stderr is connected to it).",
            valueName: "target"))
    var logTarget: LogTarget = .auto

    enum LogTarget: String, ExpressibleByArgument, CaseIterable {
        case auto, journal, stderr
    }
}
