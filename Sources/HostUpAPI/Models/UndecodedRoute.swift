/// A route of the state document that did not decode (a numeric or null `vpsId`, a string `prefixLength`, a
/// field of the wrong type), or a route of a pool that did not decode.
///
/// Decoding is per route, so one odd route elsewhere in the account cannot stop this VPS's routes from applying.
/// What could be read of it loosely is kept, so the agent can tell whether it might be one of its own (and then
/// keep what it had in the kernel as it is).
public struct UndecodedRoute: Hashable, Sendable, CustomStringConvertible {
    /// The id of its pool, when readable.
    public var poolID: String?
    /// Its position in its pool's `routes` (0-based), or `nil` when the whole pool did not decode.
    public var index: Int?
    /// Its `id`, when that is a string.
    public var id: String?
    /// Its `vpsId`, when that is a string.
    public var vpsId: String?
    /// What did not decode, e.g. `vpsId: expected a string`.
    public var reason: String

    /// Creates a record.
    public init(poolID: String?, index: Int?, id: String?, vpsId: String?, reason: String) {
        self.poolID = poolID
        self.index = index
        self.id = id
        self.vpsId = vpsId
        self.reason = reason
    }

    /// `route ID (pool P, routes[N]) does not decode: REASON`.
    public var description: String {
        var place: [String] = []
        if let poolID { place.append("pool \(poolID)") }
        if let index { place.append("routes[\(index)]") }
        let name = id.map { "route \($0)" } ?? "a route"
        let location = place.isEmpty ? "" : " (\(place.joined(separator: ", ")))"
        return "\(name)\(location) does not decode: \(reason)"
    }
}

/// Whatever of a route can be read when it does not decode: `id` and `vpsId` when they are strings. Decoding it
/// never fails, so an unkeyed container moves past the element.
struct LooseRoute: Decodable {
    var id: String?
    var vpsId: String?

    private enum CodingKeys: String, CodingKey { case id, vpsId }

    init(from decoder: any Decoder) {
        let container = try? decoder.container(keyedBy: CodingKeys.self)
        id = try? container?.decodeIfPresent(String.self, forKey: .id)
        vpsId = try? container?.decodeIfPresent(String.self, forKey: .vpsId)
    }
}

/// Whatever of a pool can be read when it does not decode: its `id` and its routes, loosely.
struct LoosePool: Decodable {
    var id: String?
    var routes: [LooseRoute]?

    private enum CodingKeys: String, CodingKey { case id, routes }

    init(from decoder: any Decoder) {
        let container = try? decoder.container(keyedBy: CodingKeys.self)
        id = try? container?.decodeIfPresent(String.self, forKey: .id)
        routes = try? container?.decodeIfPresent([LooseRoute].self, forKey: .routes)
    }
}

/// Decodes one element of an unkeyed container, giving back the error instead of throwing; on failure the
/// element is skipped by decoding `Loose` in its place, which never fails.
func decodeElement<Value: Decodable, Loose: Decodable>(
    _ type: Value.Type, orLoose loose: Loose.Type, from container: inout any UnkeyedDecodingContainer
) throws -> Result<Value, LooselyDecoded<Loose>> {
    do {
        return .success(try container.decode(Value.self))
    } catch {
        return .failure(LooselyDecoded(value: try container.decode(Loose.self), reason: DecodingErrorDescription.summary(error)))
    }
}

/// An element that did not decode: what could be read of it, and why.
struct LooselyDecoded<Loose>: Error {
    var value: Loose
    var reason: String
}
