import HostUpAPI

/// The local checks of `routes delete` and `pool release` before anything is sent: the object must exist in the
/// account's state, and its `actions` gate (`canDelete`, `canRelease`) must allow the action.
public enum ActionGateCheck {
    /// Why the request was not sent.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// What failed.
        public enum Kind: Sendable, Equatable {
            /// The id names nothing in the account (a usage error: exit 64).
            case unknown
            /// The API's gate says no (an API refusal: exit 2).
            case gateClosed
        }

        public var kind: Kind
        public var description: String

        public init(kind: Kind, description: String) {
            self.kind = kind
            self.description = description
        }
    }

    /// The route `id`, when it exists and its `canDelete` gate allows deleting it.
    ///
    /// - Throws: ``Refusal`` naming the route, and the gate's reason when it is closed.
    public static func routeToDelete(id: String, in state: RoutedIPv6State) throws -> Route {
        guard let route = state.pools.flatMap(\.routes).first(where: { $0.id == id }) else {
            throw Refusal(kind: .unknown, description: "no route \(id) in this account")
        }
        if let gate = route.actions?.canDelete, !gate.allowed {
            throw Refusal(kind: .gateClosed, description: "route \(id) cannot be deleted: \(sentence(gate.reason))")
        }
        return route
    }

    /// The pool `id`, when it exists and its `canRelease` gate allows releasing it.
    ///
    /// - Throws: ``Refusal`` naming the pool, and the gate's reason when it is closed.
    public static func poolToRelease(id: String, in state: RoutedIPv6State) throws -> Pool {
        guard let pool = state.pools.first(where: { $0.id == id }) else {
            throw Refusal(kind: .unknown, description: "no pool \(id) in this account")
        }
        if let gate = pool.actions?.canRelease, !gate.allowed {
            throw Refusal(kind: .gateClosed, description: "pool \(id) cannot be released: \(sentence(gate.reason))")
        }
        return pool
    }
}
