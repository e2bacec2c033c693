import IPv6Addressing

/// Addresses the agent knows it added, beyond what `IFA_PROTO` says.
///
/// Kernels before Linux 5.18 do not store `IFA_PROTO`, so an address the agent added looks hand-made in a
/// dump; the agent keeps this record in its state file instead (DESIGN.md "What the agent does" 4).
/// ``PlanExecutor`` returns the updated record after every run.
public struct OwnershipRecord: Hashable, Sendable, Codable {
    /// The addresses the agent added and has not removed.
    public var addresses: Set<OwnedAddress>

    /// Creates a record.
    ///
    /// - Parameter addresses: The owned addresses. Defaults to none.
    public init(addresses: Set<OwnedAddress> = []) {
        self.addresses = addresses
    }
}

/// One address the agent added: interface name, address and prefix length.
public struct OwnedAddress: Hashable, Sendable, Codable, Comparable {
    /// The interface name.
    public var interface: String
    /// The address.
    public var address: IPv6Address
    /// The prefix length in bits.
    public var prefixLength: UInt8

    /// Creates an owned-address entry.
    ///
    /// - Parameters:
    ///   - interface: The interface name.
    ///   - address: The address.
    ///   - prefixLength: The prefix length in bits.
    public init(interface: String, address: IPv6Address, prefixLength: UInt8) {
        self.interface = interface
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Orders by interface, then address, then prefix length (for stable state files and logs).
    public static func < (lhs: OwnedAddress, rhs: OwnedAddress) -> Bool {
        (lhs.interface, lhs.address, lhs.prefixLength) < (rhs.interface, rhs.address, rhs.prefixLength)
    }
}
