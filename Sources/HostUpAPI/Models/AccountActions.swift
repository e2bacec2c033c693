/// The account-level action gates (`actions` at the top of the state document).
public struct AccountActions: Codable, Hashable, Sendable {
    /// Whether `allocate_pool` is available (not when the account already has a /48).
    public var canAllocatePool: ActionGate
    /// Whether `create_route` is available at all (not before a /48 exists).
    public var canCreateRoute: ActionGate

    /// Creates the account action gates.
    ///
    /// - Parameters:
    ///   - canAllocatePool: The `allocate_pool` gate.
    ///   - canCreateRoute: The `create_route` gate.
    public init(canAllocatePool: ActionGate, canCreateRoute: ActionGate) {
        self.canAllocatePool = canAllocatePool
        self.canCreateRoute = canCreateRoute
    }
}
