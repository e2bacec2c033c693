/// The fixed journal `MESSAGE_ID` of each kind of event the agent logs.
///
/// 128-bit ids as 32 lower-case hex digits without dashes, the form `journalctl MESSAGE_ID=...` and the message
/// catalog (`systemd/hostup-routed.catalog`) use. They were generated once at random and never change: scripts and
/// the catalog match on them. ``JournalLogHandler`` picks one from the value of the `hostup.event` metadata key.
///
/// See `sd-id128(3)` and `journalctl(1)` (`--catalog`).
public struct JournalMessageID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// 32 lower-case hex digits.
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// A route from the API was applied to the kernel (`hostup.event=route-applied`).
    public static let routeApplied = JournalMessageID(rawValue: "d9b7bc53eee94b5984a320fc41427bc7")
    /// A route the agent had applied was removed from the kernel (`hostup.event=route-removed`).
    public static let routeRemoved = JournalMessageID(rawValue: "23c0fc3429f341f5bb2ea35fdf857e83")
    /// A route from the API failed validation and was not applied (`hostup.event=route-refused`).
    public static let routeRefused = JournalMessageID(rawValue: "d475ce3122ab42d6befc86de2345dfd4")
    /// The API gave no valid answer (`hostup.event=api-error`).
    public static let apiError = JournalMessageID(rawValue: "c907ed7cbdf54d52b47691d9cecc10aa")
    /// The kernel refused a change (`hostup.event=kernel-error`).
    public static let kernelError = JournalMessageID(rawValue: "2f15a84241884a0caf4e58dbd70a7eba")
    /// The last valid state was restored from the state file (`hostup.event=state-restored`).
    public static let stateRestored = JournalMessageID(rawValue: "3e5e86e154624e85b991d1a56835629c")
    /// Objects another program removed or changed were put back (`hostup.event=drift-repaired`).
    public static let driftRepaired = JournalMessageID(rawValue: "d89c3d08412b420aa6acc53fa2ad8300")
    /// The kernel keeps changing under the agent; repairs are rate-limited (`hostup.event=repairs-limited`).
    public static let repairsLimited = JournalMessageID(rawValue: "a511f16ab6784eae9dfa9d7787e95644")
    /// The kernel mirror was rebuilt from a fresh dump (`hostup.event=kernel-resync`).
    public static let kernelResync = JournalMessageID(rawValue: "56ce5e193ec740c8bb49ade46f6b2acb")

    /// The logger metadata key whose value selects the message id.
    public static let eventMetadataKey = "hostup.event"

    /// Every id, keyed by the `hostup.event` value it stands for.
    public static let byEvent: [String: JournalMessageID] = [
        "route-applied": .routeApplied,
        "route-removed": .routeRemoved,
        "route-refused": .routeRefused,
        "api-error": .apiError,
        "kernel-error": .kernelError,
        "state-restored": .stateRestored,
        "drift-repaired": .driftRepaired,
        "repairs-limited": .repairsLimited,
        "kernel-resync": .kernelResync,
    ]

    /// The id for a `hostup.event` value, or `nil` for a value without one.
    public init?(event: String) {
        guard let id = Self.byEvent[event] else { return nil }
        self = id
    }
}
