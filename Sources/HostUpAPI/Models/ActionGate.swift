/// Whether one routed IPv6 action is currently available, and if not, why.
///
/// Every `actions.*` object of the state document has this shape, e.g.
/// `{"allowed": false, "reason": "Add a routed /48 before creating routes."}`.
public struct ActionGate: Codable, Hashable, Sendable {
    /// Whether the action is allowed now.
    public var allowed: Bool
    /// Why it is not allowed, or `nil` (JSON `null` or absent).
    public var reason: String?

    /// Creates a gate.
    ///
    /// - Parameters:
    ///   - allowed: Whether the action is allowed.
    ///   - reason: Why it is not, or `nil`.
    public init(allowed: Bool, reason: String? = nil) {
        self.allowed = allowed
        self.reason = reason
    }

    /// Encodes the gate; a `nil` reason is written as JSON `null`, as the provider does.
    ///
    /// - Parameter encoder: The encoder to write to.
    /// - Throws: Whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(allowed, forKey: .allowed)
        try container.encode(reason, forKey: .reason)
    }
}
