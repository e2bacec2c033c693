/// The status of a routed pool (`pools[].status`).
///
/// A string the provider may extend: unknown values decode and round-trip unchanged.
public struct PoolStatus: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    /// The status string as sent by the API.
    public var rawValue: String

    /// Wraps a status string.
    ///
    /// - Parameter rawValue: The status string.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The pool is allocated and usable.
    public static let active = PoolStatus(rawValue: "active")

    /// The raw status string.
    public var description: String { rawValue }
}
