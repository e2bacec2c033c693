/// Any `POST /api/v2/routed-ipv6` request body, every field optional.
///
/// The wire shape shared by both actions: `{"action":"allocate_pool"}` or
/// `{"action":"create_route","poolId":…,"vpsId":…,"prefixLength":…,"prefix":…,"label":…}`. A server (the
/// simulator) decodes bodies with it and validates the fields itself, so a missing field becomes a `400`
/// with an `errors[]` pointer rather than a decoding failure. `nil` fields are omitted when encoding.
public struct RoutedIPv6Request: Codable, Hashable, Sendable {
    /// The action, or `nil` when absent.
    public var action: RoutedIPv6Action?
    /// `create_route`: the pool id.
    public var poolId: String?
    /// `create_route`: the destination VPS id.
    public var vpsId: String?
    /// `create_route`: the child prefix length.
    public var prefixLength: Int?
    /// `create_route`: an explicit child prefix.
    public var prefix: String?
    /// `create_route`: a label.
    public var label: String?

    /// Creates a request body.
    ///
    /// - Parameters:
    ///   - action: The action.
    ///   - poolId: The pool id.
    ///   - vpsId: The VPS id.
    ///   - prefixLength: The child prefix length.
    ///   - prefix: An explicit child prefix.
    ///   - label: A label.
    public init(
        action: RoutedIPv6Action?,
        poolId: String? = nil,
        vpsId: String? = nil,
        prefixLength: Int? = nil,
        prefix: String? = nil,
        label: String? = nil
    ) {
        self.action = action
        self.poolId = poolId
        self.vpsId = vpsId
        self.prefixLength = prefixLength
        self.prefix = prefix
        self.label = label
    }

    /// The body of an `allocate_pool` request: `{"action":"allocate_pool"}`.
    public static let allocatePool = RoutedIPv6Request(action: .allocatePool)

    /// The body of a `create_route` request with the given parameters.
    ///
    /// - Parameter createRoute: The route parameters.
    public init(_ createRoute: CreateRouteRequest) {
        self.init(
            action: .createRoute,
            poolId: createRoute.poolId,
            vpsId: createRoute.vpsId,
            prefixLength: createRoute.prefixLength,
            prefix: createRoute.prefix,
            label: createRoute.label
        )
    }
}
