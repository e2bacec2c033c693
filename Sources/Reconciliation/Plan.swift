import Netlink

/// The difference between desired and observed state: what to change, what to wait for, what to leave alone.
///
/// Made by ``Planner/plan(desired:observed:owned:sysctls:)``; applied by ``PlanExecutor/apply(_:)``.
/// Its ``description`` is one `ip`-like line per operation, then one `#` line per deferral and conflict.
public struct Plan: Hashable, Sendable, CustomStringConvertible {
    /// The changes, in the order they must be applied.
    public var operations: [PlanOperation]
    /// Desired objects that wait for their interface to appear.
    public var deferred: [Deferral]
    /// Objects in the way that the agent does not own and so leaves alone.
    public var conflicts: [Conflict]
    /// The API route each operation serves, when it comes from a desired object (for logging).
    public var routeIDs: [PlanOperation: String]
    /// The ownership record the plan was made with, without entries for addresses that no longer exist.
    /// ``PlanExecutor`` updates it with what it adds and removes.
    public var ownership: OwnershipRecord
    /// The saved sysctl originals the plan was made with, without those already back at their original value
    /// and no longer needed, plus the originals of the sysctls this plan changes for the first time. The agent
    /// persists them *before* applying the plan; ``PlanExecutor`` drops those it restores.
    public var savedSysctls: [SavedSysctl]
    /// Things left alone on purpose that the admin should know, as `# notice: ...` lines (a link managed by
    /// systemd-networkd, an `accept_ra` that stays 2 because its interface still forwards).
    public var notices: [String]

    /// Creates a plan.
    ///
    /// - Parameters:
    ///   - operations: The changes, in order. Defaults to none.
    ///   - deferred: The deferrals. Defaults to none.
    ///   - conflicts: The conflicts. Defaults to none.
    ///   - routeIDs: The API route of each operation. Defaults to none.
    ///   - ownership: The ownership record. Defaults to empty.
    ///   - savedSysctls: The saved sysctl originals. Defaults to none.
    ///   - notices: The notices. Defaults to none.
    public init(
        operations: [PlanOperation] = [],
        deferred: [Deferral] = [],
        conflicts: [Conflict] = [],
        routeIDs: [PlanOperation: String] = [:],
        ownership: OwnershipRecord = OwnershipRecord(),
        savedSysctls: [SavedSysctl] = [],
        notices: [String] = []
    ) {
        self.operations = operations
        self.deferred = deferred
        self.conflicts = conflicts
        self.routeIDs = routeIDs
        self.ownership = ownership
        self.savedSysctls = savedSysctls
        self.notices = notices
    }

    /// Whether there is nothing to change (deferrals and conflicts may remain).
    public var isEmpty: Bool { operations.isEmpty }

    /// One line per operation, then one per deferral, conflict and notice.
    public var lines: [String] {
        operations.map(\.description) + deferred.map(\.description) + conflicts.map(\.description) + notices
    }

    /// ``lines`` joined with newlines.
    public var description: String {
        lines.joined(separator: "\n")
    }
}

/// A desired object that cannot be applied yet because its interface does not exist.
///
/// It is retried on every run; nothing on that interface is removed meanwhile.
public struct Deferral: Hashable, Sendable, CustomStringConvertible {
    /// The missing interface.
    public var interface: String
    /// What waits for it, e.g. "address 2001:db8::1/64" or "route 2001:db8::/64".
    public var object: String
    /// The API route it serves.
    public var routeID: String?
    /// The desired object that waits, as a value; `nil` when made without one.
    public var wanted: DesiredObject?

    /// Creates a deferral.
    ///
    /// - Parameters:
    ///   - interface: The missing interface.
    ///   - object: What waits for it.
    ///   - routeID: The API route it serves. Defaults to `nil`.
    ///   - wanted: The desired object that waits. Defaults to `nil`.
    public init(interface: String, object: String, routeID: String? = nil, wanted: DesiredObject? = nil) {
        self.interface = interface
        self.object = object
        self.routeID = routeID
        self.wanted = wanted
    }

    /// "# deferred: br0 does not exist (route ID): address 2001:db8::1/64".
    public var description: String {
        var text = "# deferred: \(interface) not found"
        if let routeID {
            text += " (route \(routeID))"
        }
        return text + ": " + object
    }
}

/// A desired object whose place is taken by an object the agent does not own (made by hand or by the kernel).
///
/// The foreign object is never changed or removed (DESIGN.md "What the agent does" 4).
public struct Conflict: Hashable, Sendable, CustomStringConvertible {
    /// The desired object, e.g. "address 2001:db8::1/64 on br0".
    public var object: String
    /// What is there instead, e.g. "2001:db8::1/64 on br0 (not added by hostup-routed)".
    public var existing: String
    /// The API route the desired object serves.
    public var routeID: String?
    /// The desired object in conflict, as a value; `nil` when made without one.
    public var wanted: DesiredObject?

    /// Creates a conflict.
    ///
    /// - Parameters:
    ///   - object: The desired object.
    ///   - existing: What is there instead.
    ///   - routeID: The API route. Defaults to `nil`.
    ///   - wanted: The desired object in conflict. Defaults to `nil`.
    public init(object: String, existing: String, routeID: String? = nil, wanted: DesiredObject? = nil) {
        self.object = object
        self.existing = existing
        self.routeID = routeID
        self.wanted = wanted
    }

    /// "# conflict: OBJECT (route ID): EXISTING is in the way, left alone".
    public var description: String {
        var text = "# conflict: \(object)"
        if let routeID {
            text += " (route \(routeID))"
        }
        return text + ": \(existing) is in the way, left alone"
    }
}
