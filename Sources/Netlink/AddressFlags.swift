/// Flags of an interface address (`IFA_F_*`), 32 bits wide as carried by the `IFA_FLAGS` attribute.
///
/// The legacy `ifa_flags` byte of `struct ifaddrmsg` only holds the low eight bits. Source:
/// `<linux/if_addr.h>`, `ip-address(8)`.
public struct AddressFlags: OptionSet, Hashable, Sendable {
    /// The flag bits.
    public var rawValue: UInt32

    /// Creates a flag set from its bits.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Skip duplicate address detection. The corresponding C constant is `IFA_F_NODAD`.
    public static let nodad = AddressFlags(rawValue: 0x02)
    /// Usable while DAD runs (RFC 4429). The corresponding C constant is `IFA_F_OPTIMISTIC`.
    public static let optimistic = AddressFlags(rawValue: 0x04)
    /// Duplicate address detection failed. The corresponding C constant is `IFA_F_DADFAILED`.
    public static let dadFailed = AddressFlags(rawValue: 0x08)
    /// Mobile IPv6 home address. The corresponding C constant is `IFA_F_HOMEADDRESS`.
    public static let homeAddress = AddressFlags(rawValue: 0x10)
    /// The preferred lifetime ran out. The corresponding C constant is `IFA_F_DEPRECATED`.
    public static let deprecated = AddressFlags(rawValue: 0x20)
    /// Duplicate address detection has not finished. The corresponding C constant is `IFA_F_TENTATIVE`.
    public static let tentative = AddressFlags(rawValue: 0x40)
    /// Never expires. The corresponding C constant is `IFA_F_PERMANENT`.
    public static let permanent = AddressFlags(rawValue: 0x80)
    /// Let the kernel make temporary addresses (RFC 8981). The corresponding C constant is `IFA_F_MANAGETEMPADDR`.
    public static let manageTemporaryAddress = AddressFlags(rawValue: 0x100)
    /// Do not add the on-link prefix route. The corresponding C constant is `IFA_F_NOPREFIXROUTE`.
    public static let noPrefixRoute = AddressFlags(rawValue: 0x200)
    /// Join the multicast group automatically. The corresponding C constant is `IFA_F_MCAUTOJOIN`.
    public static let multicastAutoJoin = AddressFlags(rawValue: 0x400)
    /// A stable privacy address (RFC 7217). The corresponding C constant is `IFA_F_STABLE_PRIVACY`.
    public static let stablePrivacy = AddressFlags(rawValue: 0x800)
}
