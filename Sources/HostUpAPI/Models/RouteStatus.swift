/// The status of a routed prefix (`pools[].routes[].status`).
///
/// A string the provider may extend: unknown values decode and round-trip unchanged. The agent applies only
/// ``active`` routes.
public struct RouteStatus: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    /// The status string as sent by the API.
    public var rawValue: String

    /// Wraps a status string.
    ///
    /// - Parameter rawValue: The status string.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The route is in place at the provider.
    public static let active = RouteStatus(rawValue: "active")

    /// The raw status string.
    public var description: String { rawValue }
}
