/// A route of this VPS that failed validation: it is not applied, and the other routes still are.
public struct RouteRefusal: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The API's `pools[].routes[].id`.
    public var routeID: String
    /// The `prefix` as the API sent it.
    public var prefix: String
    /// Why it was refused, e.g. "has host bits set; did you mean 2001:db8:1000:10::/64?".
    public var reason: String

    public var description: String { "route \(routeID) (\(prefix)) refused: \(reason)" }
}
