/// A VPS of the simulated account: one entry of the state document's `destinations[]`.
///
/// `Codable` with the API's field names. When decoding (`POST /_sim/destinations`, `POST /_sim/seed`),
/// `primaryIp` and `nextHop` may be absent or `null`, and `serviceStatus` defaults to `"active"`.
/// A destination can receive routes only while `serviceStatus` is `"active"` and it has a `nextHop`.
public struct SimulatedDestination: Codable, Hashable, Sendable {
    /// The VPS id, `vps_01hxa3b4c5d6e7f8g9h0j1k2m5`.
    public var vpsId: String
    /// The VPS name, `web-01`; copied into each route's `vpsName`.
    public var name: String
    /// The VPS's primary IPv4 address, `192.0.2.10`, or `nil`.
    public var primaryIp: String?
    /// The IPv6 address the provider routes prefixes to, `2001:db8::10`, or `nil` (then no route can target it).
    public var nextHop: String?
    /// The service status; only `"active"` VPSes can receive routes. Defaults to `"active"`.
    public var serviceStatus: String

    /// Creates a destination.
    ///
    /// - Parameters:
    ///   - vpsId: The VPS id.
    ///   - name: The VPS name.
    ///   - primaryIp: The primary IPv4 address, if any.
    ///   - nextHop: The IPv6 next hop, if any.
    ///   - serviceStatus: Defaults to `"active"`.
    public init(
        vpsId: String,
        name: String,
        primaryIp: String? = nil,
        nextHop: String? = nil,
        serviceStatus: String = "active"
    ) {
        self.vpsId = vpsId
        self.name = name
        self.primaryIp = primaryIp
        self.nextHop = nextHop
        self.serviceStatus = serviceStatus
    }

    private enum CodingKeys: String, CodingKey {
        case vpsId, name, primaryIp, nextHop, serviceStatus
    }

    /// Decodes a destination; `vpsId` and `name` are required, the rest default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        vpsId = try container.decode(String.self, forKey: .vpsId)
        name = try container.decode(String.self, forKey: .name)
        primaryIp = try container.decodeIfPresent(String.self, forKey: .primaryIp)
        nextHop = try container.decodeIfPresent(String.self, forKey: .nextHop)
        serviceStatus = try container.decodeIfPresent(String.self, forKey: .serviceStatus) ?? "active"
    }

    /// Why this VPS cannot receive a route now, or `nil` when it can.
    var routeRefusal: String? {
        if serviceStatus != "active" {
            return "The VPS is not active."
        }
        if nextHop == nil {
            return "The VPS has no IPv6 next hop."
        }
        return nil
    }
}
