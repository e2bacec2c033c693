import SystemPackage

/// Reads and writes the IPv6 sysctls: per interface under `/proc/sys/net/ipv6/conf/<interface>/<name>`, and
/// namespace-wide ones (`ip_nonlocal_bind`) under `/proc/sys/net/ipv6/<name>`.
///
/// Equivalent to `sysctl -w net.ipv6.conf.<interface>.<name>=<value>` (or `net.ipv6.<name>`); see
/// `ip-sysctl.rst` in the kernel documentation. Both belong to the caller's network namespace. Writing needs
/// `CAP_NET_ADMIN` in the network namespace that owns `/proc/sys/net`.
public struct IPv6Sysctl: Sendable {
    /// A sysctl name under `net.ipv6.conf.<interface>`.
    public struct Name: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        /// The file name, e.g. "accept_ra".
        public var rawValue: String

        /// Creates a name from its file name.
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// `forwarding`: 1 makes the interface (or, for "all", every interface) a router (RFC 4861 §6.2.1).
        public static let forwarding = Name(rawValue: "forwarding")
        /// `accept_ra`: 0 ignores router advertisements, 1 accepts them unless forwarding, 2 accepts them even then.
        public static let acceptRA = Name(rawValue: "accept_ra")
        /// `keep_addr_on_down`: 1 keeps static addresses when the link goes down.
        public static let keepAddressOnDown = Name(rawValue: "keep_addr_on_down")
        /// `ip_nonlocal_bind` (namespace-wide, no interface): 1 lets `bind(2)` take an IPv6 address that no
        /// interface holds, such as one only a `local` route covers; without it that bind fails with
        /// `EADDRNOTAVAIL` (`__inet6_bind()` in net/ipv6/af_inet6.c).
        public static let nonlocalBind = Name(rawValue: "ip_nonlocal_bind")

        /// The file name.
        public var description: String { rawValue }
    }

    /// The directory holding one subdirectory per interface.
    public var root: String
    /// The directory holding the namespace-wide sysctls.
    public var namespaceRoot: String

    /// Creates an accessor.
    ///
    /// - Parameters:
    ///   - root: The directory holding one subdirectory per interface. Defaults to "/proc/sys/net/ipv6/conf";
    ///     tests pass a temporary directory.
    ///   - namespaceRoot: The directory of the namespace-wide sysctls. Defaults to "/proc/sys/net/ipv6".
    public init(root: String = "/proc/sys/net/ipv6/conf", namespaceRoot: String = "/proc/sys/net/ipv6") {
        self.root = root
        self.namespaceRoot = namespaceRoot
    }

    /// The path of one sysctl file.
    ///
    /// - Parameters:
    ///   - name: The sysctl.
    ///   - interface: "all", "default" or an interface name; `nil` for a namespace-wide sysctl.
    /// - Returns: `<root>/<interface>/<name>`, or `<namespaceRoot>/<name>`.
    public func path(of name: Name, interface: String?) -> String {
        guard let interface else { return "\(namespaceRoot)/\(name.rawValue)" }
        return "\(root)/\(interface)/\(name.rawValue)"
    }

    /// Reads an integer sysctl.
    ///
    /// - Parameters:
    ///   - name: The sysctl.
    ///   - interface: "all", "default" or an interface name; `nil` for a namespace-wide sysctl.
    /// - Returns: The value.
    /// - Throws: ``NetlinkError`` with code ``NetlinkError/Code/notFound`` when the interface or file does
    ///   not exist, ``NetlinkError/Code/permissionDenied``, or ``NetlinkError/Code/malformedMessage`` when the
    ///   file does not hold an integer.
    public func value(_ name: Name, interface: String?) throws -> Int {
        let path = try checkedPath(of: name, interface: interface)
        let text = try withDescriptor(path, .readOnly, options: [.closeOnExec]) { descriptor in
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 64)
            while true {
                let count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0) }
                if count == 0 || bytes.count > 4096 {
                    break
                }
                bytes += chunk[..<count]
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let trimmed = text.trimmingASCIIWhitespace()
        guard let value = Int(trimmed) else {
            throw NetlinkError(
                code: .malformedMessage,
                operation: "sysctl",
                message: "\(path) holds \"\(trimmed)\", not an integer"
            )
        }
        return value
    }

    /// Writes an integer sysctl.
    ///
    /// - Parameters:
    ///   - value: The new value.
    ///   - name: The sysctl.
    ///   - interface: "all", "default" or an interface name; `nil` for a namespace-wide sysctl.
    /// - Throws: ``NetlinkError`` with code ``NetlinkError/Code/notFound`` when the interface or file does
    ///   not exist (the file is never created), ``NetlinkError/Code/permissionDenied`` without
    ///   `CAP_NET_ADMIN`, ``NetlinkError/Code/invalidArgument`` when the kernel refuses the value.
    public func setValue(_ value: Int, for name: Name, interface: String?) throws {
        let path = try checkedPath(of: name, interface: interface)
        let bytes = Array("\(value)\n".utf8)
        try withDescriptor(path, .writeOnly, options: [.closeOnExec, .truncate]) { descriptor in
            // The kernel parses a sysctl write in one go (proc_sys_call_handler()), so write it whole.
            _ = try bytes.withUnsafeBytes { try descriptor.writeAll($0) }
        }
    }

    private func checkedPath(of name: Name, interface: String?) throws -> String {
        for part in [interface ?? "-", name.rawValue] where part.isEmpty || part == "." || part == ".." || part.contains("/") {
            throw NetlinkError(
                code: .invalidArgument,
                operation: "sysctl",
                message: "\"\(part)\" is not a valid interface or sysctl name"
            )
        }
        return path(of: name, interface: interface)
    }

    private func withDescriptor<Result>(
        _ path: String,
        _ mode: FileDescriptor.AccessMode,
        options: FileDescriptor.OpenOptions,
        _ body: (FileDescriptor) throws -> Result
    ) throws -> Result {
        do {
            let descriptor = try FileDescriptor.open(FilePath(path), mode, options: options, retryOnInterrupt: true)
            return try descriptor.closeAfter { try body(descriptor) }
        } catch let errno as Errno {
            throw NetlinkError.system("sysctl", errno, mode == .readOnly ? "reading \(path)" : "writing \(path)")
        }
    }
}

extension String {
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[start...end]
    }
}
