import ArgumentParser
import HostUpAPI
import Logging
import NIOCore
import Netlink
import RoutingAgent
import ServiceLifecycle
import SystemdIntegration
import UnixSignals

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: poll the API and keep the kernel converged until SIGTERM.",
        discussion: """
            Under systemd (Type=notify) it sends READY=1 after the first reconcile attempt, keeps STATUS= current, \
            pings the watchdog while the loop makes progress, reloads the config on SIGHUP, and sends STOPPING=1 on \
            SIGTERM, leaving the kernel as it is.
            """)

    @OptionGroup var options: GlobalOptions

    func run() async throws {
        // NOTE: The daemon sends one request per poll: one event loop serves it. NIO's default, a thread per core,
        // only adds threads, their stacks and their malloc arenas (set before the HTTP client makes the group).
        NIOSingletons.groupLoopCountSuggestion = 1
        let wiring = try Wiring(options: options)
        let logger = wiring.logger
        let lock: StateLock
        do {
            lock = try StateLock(directory: wiring.configuration.stateDirectory, role: StateLock.daemonRole)
        } catch {
            printError("\(error)")
            throw error is StateLock.Held ? ExitCodes.busy : ExitCodes.config
        }
        defer { withExtendedLifetime(lock) {} }
        try await wiring.withClientFactory { makeClient in
            // Without a token the daemon still runs: it reports "waiting for API token", changes nothing, and
            // looks for the token again at every poll and on SIGHUP.
            let client: HostUpClient?
            do {
                client = try makeClient(wiring.configuration)
            } catch {
                logger.warning("\(error)")
                client = nil
            }
            let agent = try wiring.agent(client: client)
            let notifier = ServiceNotifier()
            let progress = LoopProgress()
            let watchdogInterval = ServiceNotifier.watchdogInterval()
            let trigger = PollTrigger()

            var hooks = PollService.Hooks()
            hooks.stepStarted = { progress.beginStep() }
            hooks.stepFinished = { progress.endStep() }
            hooks.ready = { status in notifier.notify([.ready, .status(status)]) }
            hooks.status = { status in notifier.notify([.status(status)]) }
            hooks.reloading = { notifier.notify([.reloading, .status("reloading configuration")]) }
            hooks.stopping = { notifier.notify([.stopping, .status("stopping; the kernel is left as it is")]) }
            let configPath = options.config
            let environment = wiring.environment
            let stateDirectory = wiring.configuration.stateDirectory
            // Subscribed before the agent's first dump (PollService.run), so no change in between is missed.
            let watch: KernelWatch?
            do {
                let monitor = try RTNetlinkMonitor(receiveBufferSize: wiring.monitorReceiveBufferSize)
                watch = KernelWatch(agent: agent, monitor: monitor, logger: logger) { status in
                    notifier.notify([.status(status)])
                }
            } catch {
                logger.error("\(error); repairing the kernel only at each poll")
                watch = nil
            }
            let poller = PollService(agent: agent, logger: logger, trigger: trigger, hooks: hooks, watch: watch) {
                let configuration = try AgentConfiguration.load(path: configPath, environment: environment)
                guard configuration.stateDirectory == stateDirectory else {
                    throw ConfigurationError(
                        key: "state_dir",
                        message: "cannot change from \(stateDirectory) to \(configuration.stateDirectory) on reload; restart instead")
                }
                return (configuration, try makeClient(configuration))
            }

            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: poller), .init(service: SignalTriggerService(trigger: trigger, logger: logger)),
            ]
            if let watchdogInterval {
                services.append(
                    .init(
                        service: WatchdogService(interval: watchdogInterval, notifier: notifier, logger: logger) {
                            progress.isHealthy(limit: watchdogInterval)
                        }))
            }
            let group = ServiceGroup(
                configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

/// Turns SIGHUP into a reload and SIGUSR1 into an immediate sync of the poll loop.
struct SignalTriggerService: Service {
    let trigger: PollTrigger
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup, .sigusr1)
        try await cancelWhenGracefulShutdown {
            for await signal in signals {
                switch signal {
                case .sighup:
                    logger.info("SIGHUP: reloading the configuration")
                    trigger.fire(.reload)
                default:
                    logger.info("SIGUSR1: syncing now")
                    trigger.fire(.syncNow)
                }
            }
        }
    }
}
