import Netlink

/// One IPv6 sysctl: `net.ipv6.conf.<interface>.<name>`, or the namespace-wide `net.ipv6.<name>`.
public struct SysctlKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The sysctl's name, e.g. `forwarding`.
    public var name: IPv6Sysctl.Name
    /// The interface directory: "all", "default" or an interface name; `nil` for a namespace-wide sysctl
    /// such as `ip_nonlocal_bind`.
    public var interface: String?

    /// Creates a key.
    ///
    /// - Parameters:
    ///   - name: The sysctl's name.
    ///   - interface: "all", "default" or an interface name; `nil` for a namespace-wide sysctl.
    public init(_ name: IPv6Sysctl.Name, interface: String?) {
        self.name = name
        self.interface = interface
    }

    /// The `sysctl(8)` name, e.g. `net.ipv6.conf.all.forwarding` or `net.ipv6.ip_nonlocal_bind`; dots in
    /// interface names become slashes (`eth0.100` → `net.ipv6.conf.eth0/100.forwarding`), as `sysctl(8)` writes
    /// them.
    public var description: String {
        guard let interface else { return "net.ipv6.\(name.rawValue)" }
        let directory = String(interface.map { $0 == "." ? "/" : $0 })
        return "net.ipv6.conf.\(directory).\(name.rawValue)"
    }

    /// Orders by name, then interface (namespace-wide first; "all" sorts like any other name).
    public static func < (lhs: SysctlKey, rhs: SysctlKey) -> Bool {
        (lhs.name.rawValue, lhs.interface ?? "") < (rhs.name.rawValue, rhs.interface ?? "")
    }
}

/// A sysctl's value from before the agent changed it, kept in the state file to restore later.
public struct SavedSysctl: Hashable, Sendable, Codable, Comparable {
    /// The sysctl's name.
    public var name: IPv6Sysctl.Name
    /// "all", "default" or the interface name; `nil` for a namespace-wide sysctl.
    public var interface: String?
    /// The original value.
    public var value: Int

    /// Creates a saved value.
    ///
    /// - Parameters:
    ///   - name: The sysctl's name.
    ///   - interface: "all", "default" or the interface name; `nil` for a namespace-wide sysctl.
    ///   - value: The original value.
    public init(_ name: IPv6Sysctl.Name, interface: String?, value: Int) {
        self.name = name
        self.interface = interface
        self.value = value
    }

    /// Creates a saved value for `key`.
    public init(_ key: SysctlKey, value: Int) {
        self.init(key.name, interface: key.interface, value: value)
    }

    /// The sysctl this value belongs to.
    public var key: SysctlKey { SysctlKey(name, interface: interface) }

    /// Orders by key.
    public static func < (lhs: SavedSysctl, rhs: SavedSysctl) -> Bool {
        lhs.key < rhs.key
    }
}

/// The sysctl values ``Planner`` consults: current values, the originals the agent saved, and which links
/// systemd-networkd manages.
///
/// Originals are kept for `forwarding` (`all`, `default` and every interface: a write to `all.forwarding` copies
/// itself into all of them, `addrconf_fixup_forwarding()` in net/ipv6/addrconf.c), the `accept_ra` the agent
/// raised, and `ip_nonlocal_bind`; they are restored when no binding needs them any more. `keep_addr_on_down`
/// is left at 1.
public struct SysctlSnapshot: Hashable, Sendable {
    /// Current values; a missing key means the value could not be read (e.g. the interface does not exist).
    public var values: [SysctlKey: Int]
    /// The values from before the agent changed them, from the state file.
    public var saved: [SavedSysctl]
    /// The interfaces whose `forwarding` is saved before the agent first writes `all.forwarding`: every link
    /// the kernel has.
    public var interfaces: [String]
    /// Links managed by systemd-networkd. networkd sets their `accept_ra` to 0 and handles router
    /// advertisements itself, so the agent leaves their `accept_ra` alone.
    public var networkdManaged: Set<String>

    /// Creates a snapshot.
    ///
    /// - Parameters:
    ///   - values: Current values. Defaults to none.
    ///   - saved: Saved originals. Defaults to none.
    ///   - interfaces: Every link's name. Defaults to the interfaces in `values`.
    ///   - networkdManaged: Links managed by systemd-networkd. Defaults to none.
    public init(
        values: [SysctlKey: Int] = [:],
        saved: [SavedSysctl] = [],
        interfaces: [String]? = nil,
        networkdManaged: Set<String> = []
    ) {
        self.values = values
        self.saved = saved
        self.interfaces =
            interfaces
            ?? Set(values.keys.compactMap(\.interface)).subtracting(["all", "default"]).sorted()
        self.networkdManaged = networkdManaged
    }

    /// The current value of `name` on `interface`, or `nil` if unknown.
    public func value(_ name: IPv6Sysctl.Name, interface: String?) -> Int? {
        values[SysctlKey(name, interface: interface)]
    }

    /// The keys ``Planner`` consults for `desired` and `saved`: `forwarding` of `all`, `default` and each of
    /// `interfaces`, the uplink's `accept_ra`, `ip_nonlocal_bind`, `keep_addr_on_down` of each interface in
    /// ``DesiredState/keepAddressOnDown``, and each saved original.
    public static func keys(for desired: DesiredState, saved: [SavedSysctl], interfaces: [String]) -> [SysctlKey] {
        var keys = (["all", "default"] + interfaces).map { SysctlKey(.forwarding, interface: $0) }
        if let uplink = desired.uplink {
            keys.append(SysctlKey(.acceptRA, interface: uplink))
        }
        keys.append(SysctlKey(.nonlocalBind, interface: nil))
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
    ///   - interfaces: Every link's name (from the observed links).
    ///   - networkdManaged: Links managed by systemd-networkd. Defaults to none.
    /// - Returns: The snapshot.
    public static func read(
        from kernel: some NetworkKernel,
        desired: DesiredState,
        saved: [SavedSysctl],
        interfaces: [String],
        networkdManaged: Set<String> = []
    ) -> SysctlSnapshot {
        var values: [SysctlKey: Int] = [:]
        for key in keys(for: desired, saved: saved, interfaces: interfaces) {
            if let value = try? kernel.sysctl(key.name, interface: key.interface) {
                values[key] = value
            }
        }
        return SysctlSnapshot(values: values, saved: saved, interfaces: interfaces, networkdManaged: networkdManaged)
    }
}
