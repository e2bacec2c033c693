import IPv6Addressing

/// A validated prefix routed to this host, as the builder's input (no API types).
public struct RoutedPrefix: Hashable, Sendable, Codable {
    /// The API route's id, e.g. "ripv6rt_01hx…".
    public var id: String
    /// The routed prefix (a /48, /56 or /64 once validated).
    public var prefix: IPv6Prefix
    /// The route's label, if it has one; bindings may match on it.
    public var label: String?

    /// Creates a routed prefix.
    ///
    /// - Parameters:
    ///   - id: The API route's id.
    ///   - prefix: The routed prefix.
    ///   - label: The route's label. Defaults to `nil`.
    public init(id: String, prefix: IPv6Prefix, label: String? = nil) {
        self.id = id
        self.prefix = prefix
        self.label = label
    }
}
