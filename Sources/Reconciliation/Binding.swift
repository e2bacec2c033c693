import IPv6Addressing

/// How routed prefixes become kernel objects: one `[[bindings]]` entry of the config, validated.
///
/// See DESIGN.md "What the agent does" 3 and "Config".
public struct Binding: Hashable, Sendable, Codable {
    /// What a binding does with a prefix.
    public enum Mode: String, Hashable, Sendable, Codable, CaseIterable {
        /// `local P dev lo table local` plus `P::1/128` on `lo`: the host answers on every address of P.
        case anyip
        /// `P+host/len` on ``Binding/interface``; the kernel's on-link prefix route follows.
        case address
        /// `P dev interface`, no address (e.g. a WireGuard or bridge interface).
        case route
    }

    /// Which routes this binding applies to: "*", a route id, a label, or a prefix in text form.
    public var match: String
    /// What the binding does.
    public var mode: Mode
    /// The interface for ``Mode/address`` and ``Mode/route``; unused by ``Mode/anyip`` (always `lo`).
    public var interface: String?
    /// The host part for ``Mode/address``, e.g. `::1`. Never `::` (the subnet-router anycast address,
    /// RFC 4291 §2.6.1). Defaults to `::1`.
    public var host: IPv6Address
    /// The child length to carve the prefix into (64 in practice); child N goes to the N-th binding with the
    /// same split that matches the route. `nil` applies the binding to the whole prefix.
    public var split: Int?
    /// Whether this binding needs IPv6 forwarding (containers or VMs behind the interface).
    public var forwarding: Bool

    /// Creates a binding.
    ///
    /// - Parameters:
    ///   - match: "*", a route id, a label, or a prefix. Defaults to "*".
    ///   - mode: What the binding does. Defaults to ``Mode/anyip``.
    ///   - interface: The interface for `address` and `route`. Defaults to `nil`.
    ///   - host: The host part for `address`. Defaults to `::1`.
    ///   - split: The child length to carve. Defaults to `nil`.
    ///   - forwarding: Whether forwarding is needed. Defaults to `false`.
    public init(
        match: String = "*",
        mode: Mode = .anyip,
        interface: String? = nil,
        host: IPv6Address = .loopback,
        split: Int? = nil,
        forwarding: Bool = false
    ) {
        self.match = match
        self.mode = mode
        self.interface = interface
        self.host = host
        self.split = split
        self.forwarding = forwarding
    }

    /// Whether this binding applies to `route`: its match is "*", the route's id, its label, or a prefix equal
    /// to the route's prefix.
    public func matches(_ route: RoutedPrefix) -> Bool {
        if match == "*" || match == route.id {
            return true
        }
        if let label = route.label, match == label {
            return true
        }
        if let prefix = try? IPv6Prefix(match) {
            return prefix == route.prefix
        }
        return false
    }
}

/// Why a route, or part of it, got no kernel objects from the bindings. Not an error: the other routes apply.
public struct BindingProblem: Hashable, Sendable, CustomStringConvertible {
    /// The API route's id.
    public var routeID: String
    /// The routed prefix concerned (or the split child, when only that child is affected).
    public var prefix: IPv6Prefix
    /// The index of the binding in the config (0-based), when one binding is at fault; `nil` when none matched.
    public var bindingIndex: Int?
    /// The reason, e.g. "no binding matches".
    public var reason: String

    /// Creates a problem report.
    ///
    /// - Parameters:
    ///   - routeID: The API route's id.
    ///   - prefix: The prefix concerned.
    ///   - bindingIndex: The binding's index in the config. Defaults to `nil`.
    ///   - reason: The reason.
    public init(routeID: String, prefix: IPv6Prefix, bindingIndex: Int? = nil, reason: String) {
        self.routeID = routeID
        self.prefix = prefix
        self.bindingIndex = bindingIndex
        self.reason = reason
    }

    /// "route ID (PREFIX), bindings[N]: REASON", with N the 0-based index of the config's `[[bindings]]` entry, as
    /// `status`, `check-config` and the logs name bindings.
    public var description: String {
        var text = "route \(routeID) (\(prefix))"
        if let bindingIndex {
            text += ", bindings[\(bindingIndex)]"
        }
        return text + ": " + reason
    }
}
