import ArgumentParser

@main
struct HostUpRoutedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hostup-routed",
        abstract: "Routes the IPv6 prefixes HostUp assigns to this VPS into the Linux kernel.",
        discussion: ExitCodes.help,
        version: hostupRoutedVersion,
        subcommands: [
            RunCommand.self, SyncCommand.self, StatusCommand.self, CheckConfigCommand.self, CleanupCommand.self,
            RoutesCommand.self, PoolCommand.self, DoctorCommand.self,
        ]
    )

    /// The options every subcommand takes, also accepted before the subcommand's name (`hostup-routed --config X
    /// status`): ArgumentParser hands them to the subcommand's own `GlobalOptions` group as well.
    @OptionGroup var options: GlobalOptions
}
