#if canImport(Glibc)
import Glibc
#endif
import HostUpAPI
import IPv6Addressing

/// Works out which VPS this is (DESIGN.md "What the agent does" 1).
public enum IdentityResolver {
    /// Why no single VPS id could be chosen.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The addresses assigned to this host's interfaces, as text in canonical form (IPv6 per RFC 5952).
    public struct LocalAddresses: Sendable {
        public var ipv6: Set<IPv6Address>
        public var ipv4: Set<String>

        public init(ipv6: Set<IPv6Address>, ipv4: Set<String>) {
            self.ipv6 = ipv6
            self.ipv4 = ipv4
        }

        /// Reads every interface address of this network namespace. getifaddrs(3).
        public static func current() -> LocalAddresses {
            var result = LocalAddresses(ipv6: [], ipv4: [])
            var head: UnsafeMutablePointer<ifaddrs>?
            guard getifaddrs(&head) == 0, let first = head else { return result }
            defer { freeifaddrs(head) }
            var cursor: UnsafeMutablePointer<ifaddrs>? = first
            while let entry = cursor {
                defer { cursor = entry.pointee.ifa_next }
                guard let socketAddress = entry.pointee.ifa_addr else { continue }
                switch Int32(socketAddress.pointee.sa_family) {
                case AF_INET6:
                    socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        let bytes = withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                        if let address = IPv6Address(bytes: bytes) { result.ipv6.insert(address) }
                    }
                case AF_INET:
                    socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        let value = UInt32(bigEndian: pointer.pointee.sin_addr.s_addr)
                        result.ipv4.insert("\(value >> 24).\((value >> 16) & 255).\((value >> 8) & 255).\(value & 255)")
                    }
                default:
                    break
                }
            }
            return result
        }
    }

    /// Chooses this VPS's id: the configured one, else the single `destinations[]` entry whose `nextHop` (IPv6) or
    /// `primaryIp` (IPv4) is assigned to a local interface.
    ///
    /// - Throws: ``Failure`` naming the candidates when none or several destinations match.
    public static func resolve(
        configured: String?, document: RoutedIPv6State, local: LocalAddresses
    ) throws -> String {
        if let configured { return configured }
        let destinations = document.destinations ?? []
        let matches = destinations.filter { destination in
            if let text = destination.nextHop, let address = try? IPv6Address(text), local.ipv6.contains(address) {
                return true
            }
            if let ip = destination.primaryIp, local.ipv4.contains(ip) { return true }
            return false
        }
        if matches.count == 1 { return matches[0].vpsId }
        let describe: (Destination) -> String = { destination in
            "\(destination.vpsId) (\(destination.name ?? "unnamed"), nextHop \(destination.nextHop ?? "none"), primaryIp \(destination.primaryIp ?? "none"))"
        }
        if matches.isEmpty {
            let candidates = destinations.isEmpty ? "the API lists no destinations" : "candidates: " + destinations.map(describe).joined(separator: "; ")
            throw Failure(description: "cannot detect this VPS: no destination's nextHop or primaryIp is assigned to a local interface (\(candidates)); set vps_id in the config")
        }
        throw Failure(description: "cannot detect this VPS: several destinations match local addresses: \(matches.map(describe).joined(separator: "; ")); set vps_id in the config")
    }
}
