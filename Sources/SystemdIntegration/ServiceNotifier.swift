import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// Sends readiness, status and watchdog notifications to systemd.
///
/// A thin wrapper around `sd_notify(3)`. Outside systemd (`NOTIFY_SOCKET` unset) every call is a no-op, so the
/// daemon can always call it. The environment is read on each call; `NOTIFY_SOCKET` is left in place.
///
/// ```swift
/// let notifier = ServiceNotifier()
/// notifier.notify([.ready, .status("3 routes on eth0; synced 2 s ago")])
/// ```
public struct ServiceNotifier: Sendable {
    public init() {}

    /// Whether a service manager listens: `NOTIFY_SOCKET` is set and not empty.
    public var isEnabled: Bool {
        guard let socket = getenv("NOTIFY_SOCKET") else { return false }
        return socket.pointee != 0
    }

    /// Sends the given states in one datagram.
    ///
    /// The corresponding C function is `sd_notify(0, "READY=1\nSTATUS=...")`.
    ///
    /// - Parameter states: The assignments to send, in order. Nothing is sent when empty.
    /// - Returns: `true` when the message was delivered; `false` outside systemd or when sending failed (for
    ///   example the manager's socket went away). Notifications are best effort: callers may ignore the result.
    @discardableResult
    public func notify(_ states: [NotifyState]) -> Bool {
        guard !states.isEmpty, isEnabled else { return false }
        let message = states.map(\.rawValue).joined(separator: "\n")
        return sd_notify(0, message) > 0
    }

    /// The interval within which systemd expects `WATCHDOG=1`, or `nil` when the watchdog is off.
    ///
    /// Reads `WATCHDOG_USEC` (and `WATCHDOG_PID`, which must equal this process's id when set) through
    /// `sd_watchdog_enabled(3)`. Send ``NotifyState/watchdog`` every half of this interval, as that man page advises.
    public static func watchdogInterval() -> Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(clamping: usec))
    }
}
