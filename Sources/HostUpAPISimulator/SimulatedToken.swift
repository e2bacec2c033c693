/// An API token the simulator accepts, and the scopes it grants.
///
/// The body of `POST /_sim/tokens` and an entry of a seed's `tokens`: `{"token": "t", "scopes": ["read:network"]}`.
/// Without `scopes` the token gets ``allScopes``.
public struct SimulatedToken: Codable, Hashable, Sendable {
    /// `read:network`: needed, with `read:vm`, by `GET /api/v2/routed-ipv6`.
    public static let readNetwork = "read:network"
    /// `read:vm`: needed, with `read:network`, by `GET /api/v2/routed-ipv6`.
    public static let readVM = "read:vm"
    /// `write:network`: needed by `POST` and `DELETE` on `/api/v2/routed-ipv6`.
    public static let writeNetwork = "write:network"
    /// Every scope the routed-IPv6 endpoints check.
    public static let allScopes: Set<String> = [readNetwork, readVM, writeNetwork]

    /// The bearer token, sent as `Authorization: Bearer <token>`.
    public var token: String
    /// The granted scopes.
    public var scopes: Set<String>

    /// Creates a token.
    ///
    /// - Parameters:
    ///   - token: The bearer token.
    ///   - scopes: The granted scopes; defaults to ``allScopes``.
    public init(token: String, scopes: Set<String> = SimulatedToken.allScopes) {
        self.token = token
        self.scopes = scopes
    }

    private enum CodingKeys: String, CodingKey {
        case token, scopes
    }

    /// Decodes a token; `scopes` defaults to ``allScopes``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        token = try container.decode(String.self, forKey: .token)
        scopes = try container.decodeIfPresent(Set<String>.self, forKey: .scopes) ?? Self.allScopes
    }

    /// Encodes the token with its scopes sorted, so snapshots are stable.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(token, forKey: .token)
        try container.encode(scopes.sorted(), forKey: .scopes)
    }
}
