/// The `action` of a `POST /api/v2/routed-ipv6` request body.
///
/// A string the provider may extend, so unknown values decode (the simulator answers them with a 400).
public struct RoutedIPv6Action: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    /// The action string as sent on the wire.
    public var rawValue: String

    /// Wraps an action string.
    ///
    /// - Parameter rawValue: The action string.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Add the account-level /48 (only when the account has none yet; else `409`).
    public static let allocatePool = RoutedIPv6Action(rawValue: "allocate_pool")
    /// Route a /48, /56 or /64 of a pool to a VPS.
    public static let createRoute = RoutedIPv6Action(rawValue: "create_route")

    /// The raw action string.
    public var description: String { rawValue }
}
