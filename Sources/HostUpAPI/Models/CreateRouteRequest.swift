/// The parameters of a `create_route` action (`POST /api/v2/routed-ipv6`).
///
/// Encodes as the complete request body, `action` included:
/// `{"action":"create_route","poolId":…,"vpsId":…,"prefixLength":64}` plus `prefix` and `label` when set.
/// Decoding ignores `action` (see ``RoutedIPv6Request`` to read any POST body).
public struct CreateRouteRequest: Codable, Hashable, Sendable {
    /// The pool to carve from: a `pools[].id`.
    public var poolId: String
    /// The VPS to route to: an eligible `destinations[].vpsId`.
    public var vpsId: String
    /// The child prefix length: 48, 56 or 64.
    public var prefixLength: Int
    /// An explicit child prefix, e.g. `2001:db8:1000:100::/56`; `nil` lets the server choose the first free one.
    public var prefix: String?
    /// An optional customer label, e.g. `web subnet`.
    public var label: String?

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - poolId: The pool id.
    ///   - vpsId: The destination VPS id.
    ///   - prefixLength: The child prefix length (48, 56 or 64).
    ///   - prefix: An explicit child prefix, or `nil` for the server's choice.
    ///   - label: A label, or `nil`.
    public init(poolId: String, vpsId: String, prefixLength: Int, prefix: String? = nil, label: String? = nil) {
        self.poolId = poolId
        self.vpsId = vpsId
        self.prefixLength = prefixLength
        self.prefix = prefix
        self.label = label
    }

    private enum CodingKeys: String, CodingKey {
        case action, poolId, vpsId, prefixLength, prefix, label
    }

    /// Decodes the parameters, ignoring any `action` field.
    ///
    /// - Parameter decoder: The decoder to read from.
    /// - Throws: `DecodingError` when a required field is missing or mistyped.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        poolId = try container.decode(String.self, forKey: .poolId)
        vpsId = try container.decode(String.self, forKey: .vpsId)
        prefixLength = try container.decode(Int.self, forKey: .prefixLength)
        prefix = try container.decodeIfPresent(String.self, forKey: .prefix)
        label = try container.decodeIfPresent(String.self, forKey: .label)
    }

    /// Encodes the whole request body, `"action": "create_route"` first; `prefix` and `label` only when set.
    ///
    /// - Parameter encoder: The encoder to write to.
    /// - Throws: Whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(RoutedIPv6Action.createRoute, forKey: .action)
        try container.encode(poolId, forKey: .poolId)
        try container.encode(vpsId, forKey: .vpsId)
        try container.encode(prefixLength, forKey: .prefixLength)
        try container.encodeIfPresent(prefix, forKey: .prefix)
        try container.encodeIfPresent(label, forKey: .label)
    }
}
