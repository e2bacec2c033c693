import IPv6Addressing

/// An IPv6 address assigned to an interface, as `RTM_NEWADDR` describes it.
///
/// Addresses are identified by `(ifindex, address)`, as the kernel's `ipv6_get_ifaddr()` does;
/// `prefixLength` must also match for removal (`inet6_addr_del()` in net/ipv6/addrconf.c).
/// Source: `rtnetlink(7)`, `struct ifaddrmsg` and `IFA_*` in `<linux/if_addr.h>`.
public struct InterfaceAddress: Hashable, Sendable {
    /// The interface index (`ifa_index`).
    public var ifindex: UInt32
    /// The address (`IFA_LOCAL`, else `IFA_ADDRESS`).
    public var address: IPv6Address
    /// The prefix length in bits, 0...128 (`ifa_prefixlen`).
    public var prefixLength: UInt8
    /// The flags (`IFA_FLAGS`, else `ifa_flags`).
    public var flags: AddressFlags
    /// The scope (`ifa_scope`); the kernel derives it from the address for IPv6.
    public var scope: RouteScope
    /// Who made the address (`IFA_PROTO`); `nil` when the kernel did not send it (before Linux 5.18,
    /// or when the address has none).
    public var addressProtocol: AddressProtocol?
    /// The valid lifetime in seconds (`IFA_CACHEINFO.ifa_valid`); `nil` or `UInt32.max` means forever.
    public var validLifetimeSeconds: UInt32?
    /// The preferred lifetime in seconds (`IFA_CACHEINFO.ifa_prefered`); `nil` or `UInt32.max` means forever.
    public var preferredLifetimeSeconds: UInt32?

    /// Creates an address description.
    ///
    /// - Parameters:
    ///   - ifindex: The interface index.
    ///   - address: The address.
    ///   - prefixLength: The prefix length in bits, 0...128.
    ///   - flags: `IFA_F_*` flags. Defaults to none.
    ///   - scope: The scope. Defaults to ``RouteScope/universe``.
    ///   - addressProtocol: The `IFA_PROTO` value. Defaults to `nil` (not sent).
    ///   - validLifetimeSeconds: The valid lifetime. Defaults to `nil` (forever).
    ///   - preferredLifetimeSeconds: The preferred lifetime. Defaults to `nil` (forever).
    public init(
        ifindex: UInt32,
        address: IPv6Address,
        prefixLength: UInt8,
        flags: AddressFlags = [],
        scope: RouteScope = .universe,
        addressProtocol: AddressProtocol? = nil,
        validLifetimeSeconds: UInt32? = nil,
        preferredLifetimeSeconds: UInt32? = nil
    ) {
        self.ifindex = ifindex
        self.address = address
        self.prefixLength = prefixLength
        self.flags = flags
        self.scope = scope
        self.addressProtocol = addressProtocol
        self.validLifetimeSeconds = validLifetimeSeconds
        self.preferredLifetimeSeconds = preferredLifetimeSeconds
    }
}
