import CSystemd

/// One state change sent to the service manager by ``ServiceNotifier``: one or more `KEY=value` lines.
///
/// The raw value is the text passed to `sd_notify(3)`, for example `READY=1`. Values the project does not name
/// round-trip through ``init(rawValue:)``.
public struct NotifyState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The newline-separated `KEY=value` assignments, as `sd_notify(3)` takes them.
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// `READY=1`: start-up (or a reload) is finished; for `Type=notify` units systemd moves the unit to "active".
    public static let ready = NotifyState(rawValue: "READY=1")

    /// `STOPPING=1`: the service is shutting down.
    public static let stopping = NotifyState(rawValue: "STOPPING=1")

    /// `WATCHDOG=1`: keep-alive ping for `WatchdogSec=` (see ``ServiceNotifier/watchdogInterval()``).
    public static let watchdog = NotifyState(rawValue: "WATCHDOG=1")

    /// `RELOADING=1` plus `MONOTONIC_USEC=`: the service is reloading its configuration; send ``ready`` when done.
    ///
    /// `MONOTONIC_USEC` is `CLOCK_MONOTONIC` in microseconds, read when this property is evaluated. systemd 253+
    /// requires it with `Type=notify-reload`; older versions ignore it.
    public static var reloading: NotifyState {
        NotifyState(rawValue: "RELOADING=1\nMONOTONIC_USEC=\(csd_monotonic_usec())")
    }

    /// `STATUS=`: one human-readable line shown by `systemctl status`.
    ///
    /// Newlines (which would start a new assignment) are replaced by spaces.
    public static func status(_ text: String) -> NotifyState {
        let line = String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
        return NotifyState(rawValue: "STATUS=\(line)")
    }
}
