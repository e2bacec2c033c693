import SystemPackage

/// Reads and writes the per-interface IPv6 sysctls under `/proc/sys/net/ipv6/conf/<interface>/<name>`.
///
/// Equivalent to `sysctl -w net.ipv6.conf.<interface>.<name>=<value>`; see `ip-sysctl.rst` in the kernel
/// documentation. Writing needs `CAP_NET_ADMIN` in the network namespace that owns `/proc/sys/net`.
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

        /// The file name.
        public var description: String { rawValue }
    }

    /// The directory holding one subdirectory per interface.
    public var root: String

    /// Creates an accessor.
    ///
    /// - Parameter root: The directory holding one subdirectory per interface. Defaults to
    ///   "/proc/sys/net/ipv6/conf"; tests pass a temporary directory.
    public init(root: String = "/proc/sys/net/ipv6/conf") {
        self.root = root
    }

    /// The path of one sysctl file.
    ///
    /// - Parameters:
    ///   - name: The sysctl.
    ///   - interface: "all", "default" or an interface name.
    /// - Returns: `<root>/<interface>/<name>`.
    public func path(of name: Name, interface: String) -> String {
        "\(root)/\(interface)/\(name.rawValue)"
    }

    /// Reads an integer sysctl.
    ///
    /// - Parameters:
    ///   - name: The sysctl.
    ///   - interface: "all", "default" or an interface name.
    /// - Returns: The value.
    /// - Throws: ``NetlinkError`` with code ``NetlinkError/Code/notFound`` when the interface or file does
    ///   not exist, ``NetlinkError/Code/permissionDenied``, or ``NetlinkError/Code/malformedMessage`` when the
    ///   file does not hold an integer.
    public func value(_ name: Name, interface: String) throws -> Int {
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
    ///   - interface: "all", "default" or an interface name.
    /// - Throws: ``NetlinkError`` with code ``NetlinkError/Code/notFound`` when the interface or file does
    ///   not exist (the file is never created), ``NetlinkError/Code/permissionDenied`` without
    ///   `CAP_NET_ADMIN`, ``NetlinkError/Code/invalidArgument`` when the kernel refuses the value.
    public func setValue(_ value: Int, for name: Name, interface: String) throws {
        let path = try checkedPath(of: name, interface: interface)
        let bytes = Array("\(value)\n".utf8)
        try withDescriptor(path, .writeOnly, options: [.closeOnExec, .truncate]) { descriptor in
            // The kernel parses a sysctl write in one go (proc_sys_call_handler()), so write it whole.
            _ = try bytes.withUnsafeBytes { try descriptor.writeAll($0) }
        }
    }

    private func checkedPath(of name: Name, interface: String) throws -> String {
        for part in [interface, name.rawValue] where part.isEmpty || part == "." || part == ".." || part.contains("/") {
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
