import Netlink

/// One IPv6 sysctl: a name under `/proc/sys/net/ipv6/conf/<interface>/`.
public struct SysctlKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The sysctl's name, e.g. `forwarding`.
    public var name: IPv6Sysctl.Name
    /// The interface directory: "all", "default" or an interface name.
    public var interface: String

    /// Creates a key.
    ///
    /// - Parameters:
    ///   - name: The sysctl's name.
    ///   - interface: "all", "default" or an interface name.
    public init(_ name: IPv6Sysctl.Name, interface: String) {
        self.name = name
        self.interface = interface
    }

    /// The `sysctl(8)` name, e.g. `net.ipv6.conf.all.forwarding`; dots in interface names become slashes
    /// (`eth0.100` → `net.ipv6.conf.eth0/100.forwarding`), as `sysctl(8)` writes them.
    public var description: String {
        let directory = String(interface.map { $0 == "." ? "/" : $0 })
        return "net.ipv6.conf.\(directory).\(name.rawValue)"
    }

    /// Orders by name, then interface ("all" sorts like any other name).
    public static func < (lhs: SysctlKey, rhs: SysctlKey) -> Bool {
        (lhs.name.rawValue, lhs.interface) < (rhs.name.rawValue, rhs.interface)
    }
}

/// A sysctl's value from before the agent changed it, kept in the state file to restore later.
public struct SavedSysctl: Hashable, Sendable, Codable, Comparable {
    /// The sysctl's name.
    public var name: IPv6Sysctl.Name
    /// "all" or the interface name.
    public var interface: String
    /// The original value.
    public var value: Int

    /// Creates a saved value.
    ///
    /// - Parameters:
    ///   - name: The sysctl's name.
    ///   - interface: "all" or the interface name.
    ///   - value: The original value.
    public init(_ name: IPv6Sysctl.Name, interface: String, value: Int) {
        self.name = name
        self.interface = interface
        self.value = value
    }

    /// The sysctl this value belongs to.
    public var key: SysctlKey { SysctlKey(name, interface: interface) }

    /// Orders by key.
    public static func < (lhs: SavedSysctl, rhs: SavedSysctl) -> Bool {
        lhs.key < rhs.key
    }
}

/// The sysctl values ``Planner`` consults: current values, and the originals the agent saved.
///
/// Only `forwarding` and `accept_ra` have originals: they change how the host routes, and are restored when
/// no binding needs forwarding any more. `keep_addr_on_down` is left at 1 (DESIGN.md "What the agent does" 3).
public struct SysctlSnapshot: Hashable, Sendable {
    /// Current values; a missing key means the value could not be read (e.g. the interface does not exist).
    public var values: [SysctlKey: Int]
    /// The values from before the agent changed them, from the state file.
    public var saved: [SavedSysctl]

    /// Creates a snapshot.
    ///
    /// - Parameters:
    ///   - values: Current values. Defaults to none.
    ///   - saved: Saved originals. Defaults to none.
    public init(values: [SysctlKey: Int] = [:], saved: [SavedSysctl] = []) {
        self.values = values
        self.saved = saved
    }

    /// The current value of `name` on `interface`, or `nil` if unknown.
    public func value(_ name: IPv6Sysctl.Name, interface: String) -> Int? {
        values[SysctlKey(name, interface: interface)]
    }

    /// The keys ``Planner`` consults for `desired` and `saved`: `all.forwarding`, the uplink's `accept_ra`,
    /// `keep_addr_on_down` of each interface in ``DesiredState/keepAddressOnDown``, and each saved original.
    public static func keys(for desired: DesiredState, saved: [SavedSysctl]) -> [SysctlKey] {
        var keys = [SysctlKey(.forwarding, interface: "all")]
        if let uplink = desired.uplink {
            keys.append(SysctlKey(.acceptRA, interface: uplink))
        }
        keys += desired.keepAddressOnDown.map { SysctlKey(.keepAddressOnDown, interface: $0) }
        keys += saved.map(\.key)
        var seen = Set<SysctlKey>()
        return keys.filter { seen.insert($0).inserted }
    }

    /// Reads the values ``Planner`` needs through `kernel`.
    ///
    /// A value that cannot be read (missing interface, no permission) is left out; the planner then leaves
    /// that sysctl alone, except `all.forwarding`, which it sets when forwarding is wanted.
    ///
    /// - Parameters:
    ///   - kernel: Where to read.
    ///   - desired: The desired state.
    ///   - saved: The saved originals, from the state file.
    /// - Returns: The snapshot.
    public static func read(
        from kernel: some NetworkKernel,
        desired: DesiredState,
        saved: [SavedSysctl]
    ) -> SysctlSnapshot {
        var values: [SysctlKey: Int] = [:]
        for key in keys(for: desired, saved: saved) {
            if let value = try? kernel.sysctl(key.name, interface: key.interface) {
                values[key] = value
            }
        }
        return SysctlSnapshot(values: values, saved: saved)
    }
}
