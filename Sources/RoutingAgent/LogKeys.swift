/// Logger metadata keys, defined in one place (as service-lifecycle's `LoggingConfiguration.Keys`).
///
/// The journald handler turns each into an upper-case field with dots as underscores (`hostup.prefix` →
/// `HOSTUP_PREFIX`).
public enum LogKeys {
    public static let vpsID = "hostup.vps_id"
    public static let routeID = "hostup.route_id"
    public static let prefix = "hostup.prefix"
    public static let interface = "hostup.interface"
    public static let event = "hostup.event"
    public static let errno = "errno"
    public static let reason = "hostup.reason"
}

/// The kinds of event the agent logs, each with a fixed journal `MESSAGE_ID` once journald integration lands.
public enum AgentEvent: String, Sendable {
    case routeApplied = "route-applied"
    case routeRemoved = "route-removed"
    case routeRefused = "route-refused"
    case apiError = "api-error"
    case kernelError = "kernel-error"
    case stateRestored = "state-restored"
    case driftRepaired = "drift-repaired"
    case repairsLimited = "repairs-limited"
    case kernelResync = "kernel-resync"
}
