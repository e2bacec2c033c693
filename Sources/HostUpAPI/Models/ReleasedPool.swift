/// The answer of `DELETE /api/v2/routed-ipv6/{id}` (release a pool that has no routes left).
///
/// `cooldownUntil` is an ISO 8601 time before which the account cannot allocate a new /48, or `nil`.
public struct ReleasedPool: Codable, Hashable, Sendable {
    /// Whether the pool was released.
    public var released: Bool?
    /// The end of the re-allocation cool-down (ISO 8601), or `nil` (JSON `null` or absent).
    public var cooldownUntil: String?

    /// Creates a release answer.
    ///
    /// - Parameters:
    ///   - released: Whether the pool was released.
    ///   - cooldownUntil: The end of the cool-down, or `nil`.
    public init(released: Bool?, cooldownUntil: String? = nil) {
        self.released = released
        self.cooldownUntil = cooldownUntil
    }

    /// Encodes the answer; a `nil` `cooldownUntil` is written as JSON `null`.
    ///
    /// - Parameter encoder: The encoder to write to.
    /// - Throws: Whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(released, forKey: .released)
        try container.encode(cooldownUntil, forKey: .cooldownUntil)
    }
}
