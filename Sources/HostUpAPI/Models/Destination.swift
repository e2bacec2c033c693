/// A VPS that can receive a route (`destinations[]` in the state document).
///
/// The agent uses `nextHop` (IPv6) and `primaryIp` (IPv4) to find its own VPS id when none is configured.
/// `primaryIp` and `nextHop` are `stringnull`: JSON `null` and a missing key both decode as `nil`, and `nil`
/// is encoded as JSON `null`.
public struct Destination: Codable, Hashable, Sendable {
    /// The VPS id, e.g. `vps_01hxa3b4c5d6e7f8g9h0j1k2m5`; `vpsId` in a `create_route` request.
    public var vpsId: String
    /// The VPS name, e.g. `web-01`.
    public var name: String?
    /// The VPS's primary IPv4 address, e.g. `192.0.2.10`, or `nil`.
    public var primaryIp: String?
    /// The VPS's IPv6 address that routes point at, e.g. `2001:db8::10`, or `nil`.
    public var nextHop: String?
    /// The VPS service status, e.g. `active`.
    public var serviceStatus: String?
    /// Which destination actions are currently available.
    public var actions: DestinationActions?

    /// Creates a destination.
    ///
    /// - Parameters:
    ///   - vpsId: The VPS id.
    ///   - name: The VPS name.
    ///   - primaryIp: The primary IPv4 address, or `nil`.
    ///   - nextHop: The IPv6 next hop, or `nil`.
    ///   - serviceStatus: The service status.
    ///   - actions: Destination action gates.
    public init(
        vpsId: String,
        name: String? = nil,
        primaryIp: String? = nil,
        nextHop: String? = nil,
        serviceStatus: String? = nil,
        actions: DestinationActions? = nil
    ) {
        self.vpsId = vpsId
        self.name = name
        self.primaryIp = primaryIp
        self.nextHop = nextHop
        self.serviceStatus = serviceStatus
        self.actions = actions
    }

    /// Encodes the destination, writing a `nil` `primaryIp` or `nextHop` as JSON `null`.
    ///
    /// - Parameter encoder: The encoder to write to.
    /// - Throws: Whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(vpsId, forKey: .vpsId)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encode(primaryIp, forKey: .primaryIp)
        try container.encode(nextHop, forKey: .nextHop)
        try container.encodeIfPresent(serviceStatus, forKey: .serviceStatus)
        try container.encodeIfPresent(actions, forKey: .actions)
    }
}
