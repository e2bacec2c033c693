import Logging
import ServiceLifecycle

/// Sends `WATCHDOG=1` every half watchdog interval while a health check passes.
///
/// With `WatchdogSec=` systemd kills and restarts a service that stops pinging. The pings come from this service,
/// not from the loop itself, so a long sleep between polls is fine; but a ping is withheld whenever `isHealthy`
/// returns `false` (typically ``LoopProgress/isHealthy(limit:)``), so a wedged reconcile loop is restarted.
/// Withholding is logged once per episode, at error level; recovery is logged at notice level.
///
/// Ends on graceful shutdown or cancellation.
///
/// ```swift
/// if let interval = ServiceNotifier.watchdogInterval() {
///     let watchdog = WatchdogService(interval: interval, logger: logger) { progress.isHealthy(limit: interval) }
/// }
/// ```
public struct WatchdogService: Service {
    private let interval: Duration
    private let logger: Logger
    private let isHealthy: @Sendable () -> Bool
    private let ping: @Sendable () -> Void

    /// - Parameters:
    ///   - interval: The watchdog interval (`WATCHDOG_USEC`, see ``ServiceNotifier/watchdogInterval()``); pings
    ///     are sent every half of it.
    ///   - notifier: Where pings go. Defaults to the process's `NOTIFY_SOCKET`.
    ///   - logger: Receives a message when pings are withheld and when they resume.
    ///   - isHealthy: Asked before each ping; `false` withholds it.
    public init(
        interval: Duration,
        notifier: ServiceNotifier = ServiceNotifier(),
        logger: Logger,
        isHealthy: @escaping @Sendable () -> Bool
    ) {
        self.init(interval: interval, logger: logger, isHealthy: isHealthy) { notifier.notify([.watchdog]) }
    }

    init(
        interval: Duration,
        logger: Logger,
        isHealthy: @escaping @Sendable () -> Bool,
        ping: @escaping @Sendable () -> Void
    ) {
        self.interval = interval
        self.logger = logger
        self.isHealthy = isHealthy
        self.ping = ping
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                let period = interval / 2
                var withholding = false
                while true {
                    if isHealthy() {
                        if withholding {
                            withholding = false
                            logger.notice("reconcile loop is making progress again; resuming watchdog pings")
                        }
                        ping()
                    } else if !withholding {
                        withholding = true
                        logger.error(
                            """
                            reconcile loop busy for longer than \(interval); \
                            withholding WATCHDOG=1 so systemd restarts the service
                            """)
                    }
                    try await Task.sleep(for: period)
                }
            }
        } catch is CancellationError {
            return
        }
    }
}
