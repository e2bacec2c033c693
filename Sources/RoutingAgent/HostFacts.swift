import IPv6Addressing
import Netlink
import Reconciliation

/// What `doctor` reads of this network namespace: links, addresses and routes (one rtnetlink dump each), the
/// IPv6 sysctls the checks judge, and the links systemd-networkd manages.
public struct HostFacts: Sendable, Equatable {
    /// Links, IPv6 addresses and the routes of tables `main` and `local`.
    public var observed: ObservedState
    /// `net.ipv6.conf.all.forwarding`; `nil` when unreadable.
    public var allForwarding: Int?
    /// `net.ipv6.conf.<interface>.accept_ra` by interface name.
    public var acceptRA: [String: Int]
    /// `net.ipv6.conf.<interface>.disable_ipv6` by interface name (no entry: the interface has no IPv6 at all).
    public var disableIPv6: [String: Int]
    /// The MTU of each link (`/sys/class/net/<interface>/mtu`, of this network namespace), in bytes; read only for
    /// links without IPv6 (no `disable_ipv6`), where an MTU below 1280 is why.
    public var mtu: [String: Int] = [:]
    /// The links with a `.network` file in systemd-networkd's state (`/run/systemd/netif/links/<ifindex>`).
    public var networkdManaged: Set<String>

    public init(
        observed: ObservedState, allForwarding: Int?, acceptRA: [String: Int] = [:], disableIPv6: [String: Int] = [:],
        networkdManaged: Set<String> = []
    ) {
        self.observed = observed
        self.allForwarding = allForwarding
        self.acceptRA = acceptRA
        self.disableIPv6 = disableIPv6
        self.networkdManaged = networkdManaged
    }

    /// `disable_ipv6` (not among ``IPv6Sysctl/Name``'s, since the agent never writes it).
    static let disableIPv6Name = IPv6Sysctl.Name(rawValue: "disable_ipv6")

    /// Reads the facts through `kernel` (one dump) and systemd-networkd's link state files under `networkdLinks`.
    ///
    /// - Throws: ``NetlinkError`` when the kernel cannot be dumped.
    public static func read(
        from kernel: some NetworkKernel, networkdLinks: String = "/run/systemd/netif/links"
    ) throws -> HostFacts {
        let observed = try kernel.observe()
        var facts = HostFacts(observed: observed, allForwarding: try? kernel.sysctl(.forwarding, interface: "all"))
        for link in observed.links {
            facts.acceptRA[link.name] = try? kernel.sysctl(.acceptRA, interface: link.name)
            facts.disableIPv6[link.name] = try? kernel.sysctl(disableIPv6Name, interface: link.name)
            if facts.disableIPv6[link.name] == nil, let text = try? FileIO.readText("/sys/class/net/\(link.name)/mtu") {
                facts.mtu[link.name] = Int(text.filter(\.isNumber))
            }
            if let bytes = try? FileIO.read("\(networkdLinks)/\(link.ifindex)"),
                String(decoding: bytes, as: UTF8.self).split(separator: "\n").contains(where: {
                    $0.hasPrefix("NETWORK_FILE=")
                })
            {
                facts.networkdManaged.insert(link.name)
            }
        }
        return facts
    }

    /// The default routes (`::/0`, table `main`, unicast) leaving through `interface`, lowest metric first.
    func defaultRoutes(on interface: String) -> [Route] {
        guard let link = observed.link(named: interface) else { return [] }
        return observed.routes.filter {
            $0.destination.length == 0 && $0.table == .main && $0.type == .unicast && $0.outputInterface == link.ifindex
        }.sorted { ($0.metric ?? 0) < ($1.metric ?? 0) }
    }
}
