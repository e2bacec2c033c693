/// The account's routed IPv6 state: the document `GET /api/v2/routed-ipv6` returns, and the body of the
/// `201` answer of `POST /api/v2/routed-ipv6`.
///
/// The whole account state arrives in one document, with no pagination. Field names mirror the provider's
/// API page exactly. Unknown fields are ignored, so the provider may add fields without breaking decoding.
/// `pools` is required and must be a JSON array: a document without it, or whose `pools` is anything else,
/// fails to decode, and the fetch counts as failed.
public struct RoutedIPv6State: Codable, Hashable, Sendable {
    /// Whether routed IPv6 is available to the account; `nil` when the field is absent.
    public var available: Bool?
    /// Why routed IPv6 is unavailable, or `nil` (JSON `null` or absent).
    public var reason: String?
    /// The child prefix lengths a route may have, e.g. `[48, 56, 64]`.
    public var allowedPrefixLengths: [Int]?
    /// The account's routed pools (at most one /48 today), each with its routes.
    public var pools: [Pool]
    /// The VPSes that may receive a route.
    public var destinations: [Destination]?
    /// Which account-level actions are currently available.
    public var actions: AccountActions?

    /// Creates a state document.
    ///
    /// - Parameters:
    ///   - available: Whether routed IPv6 is available to the account.
    ///   - reason: Why it is unavailable, or `nil`.
    ///   - allowedPrefixLengths: The allowed child prefix lengths.
    ///   - pools: The account's pools.
    ///   - destinations: The VPSes that may receive a route.
    ///   - actions: Account-level action gates.
    public init(
        available: Bool? = nil,
        reason: String? = nil,
        allowedPrefixLengths: [Int]? = nil,
        pools: [Pool],
        destinations: [Destination]? = nil,
        actions: AccountActions? = nil
    ) {
        self.available = available
        self.reason = reason
        self.allowedPrefixLengths = allowedPrefixLengths
        self.pools = pools
        self.destinations = destinations
        self.actions = actions
    }

    /// Encodes the document; `reason` is written as JSON `null` when `nil`, as the provider does.
    ///
    /// - Parameter encoder: The encoder to write to.
    /// - Throws: Whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(available, forKey: .available)
        try container.encode(reason, forKey: .reason)
        try container.encodeIfPresent(allowedPrefixLengths, forKey: .allowedPrefixLengths)
        try container.encode(pools, forKey: .pools)
        try container.encodeIfPresent(destinations, forKey: .destinations)
        try container.encodeIfPresent(actions, forKey: .actions)
    }
}
