/// A network interface, as `RTM_NEWLINK` describes it.
///
/// Source: `rtnetlink(7)`, `struct ifinfomsg` and `IFLA_*` in `<linux/if_link.h>`, `netdevice(7)` for the flags.
public struct Link: Hashable, Sendable {
    /// The interface index (`ifi_index`).
    public var ifindex: UInt32
    /// The interface name (`IFLA_IFNAME`).
    public var name: String
    /// Whether the administrator set the link up (`IFF_UP`).
    public var isUp: Bool
    /// Whether the driver reports carrier (`IFF_LOWER_UP`).
    public var isLowerUp: Bool
    /// Whether this is a loopback interface (`IFF_LOOPBACK`).
    public var isLoopback: Bool
    /// The link kind (`IFLA_LINKINFO`/`IFLA_INFO_KIND`): "veth", "bridge", ...; `nil` for physical links and `lo`.
    public var kind: String?

    /// Creates a link description.
    ///
    /// - Parameters:
    ///   - ifindex: The interface index.
    ///   - name: The interface name.
    ///   - isUp: `IFF_UP`. Defaults to `false`.
    ///   - isLowerUp: `IFF_LOWER_UP`. Defaults to `false`.
    ///   - isLoopback: `IFF_LOOPBACK`. Defaults to `false`.
    ///   - kind: The link kind. Defaults to `nil`.
    public init(
        ifindex: UInt32,
        name: String,
        isUp: Bool = false,
        isLowerUp: Bool = false,
        isLoopback: Bool = false,
        kind: String? = nil
    ) {
        self.ifindex = ifindex
        self.name = name
        self.isUp = isUp
        self.isLowerUp = isLowerUp
        self.isLoopback = isLoopback
        self.kind = kind
    }
}
