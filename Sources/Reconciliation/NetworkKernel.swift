import Netlink

/// The seam between reconciling and the kernel: observe, apply a batch, read and write IPv6 sysctls.
///
/// ``RTNetlinkKernel`` is the real one; tests use a fake that records every request and answers as the
/// kernel does (`EEXIST` on a duplicate add, and so on).
///
/// - Important: Implementations must be safe to call from any thread. ``perform(_:)`` returns one result per
///   request, in request order, and must not stop at the first failure; ``PlanExecutor`` decides which
///   failures mean "already done".
public protocol NetworkKernel: Sendable {
    /// Dumps links, `AF_INET6` addresses and the `AF_INET6` routes of tables `main` and `local`.
    ///
    /// - Returns: The observed state.
    /// - Throws: ``NetlinkError`` (e.g. ``NetlinkError/Code/dumpInterrupted``) when a dump fails.
    func observe() throws -> ObservedState

    /// Sends `requests` in one batch, with an acknowledgement for each.
    ///
    /// - Parameter requests: The requests, applied by the kernel in order.
    /// - Returns: One result per request, in the same order.
    /// - Throws: ``NetlinkError`` when the batch cannot be sent or its answers cannot be read at all.
    func perform(_ requests: [RTNetlinkRequest]) throws -> [Result<Void, NetlinkError>]

    /// Reads `/proc/sys/net/ipv6/conf/<interface>/<name>`.
    ///
    /// - Parameters:
    ///   - name: The sysctl's name.
    ///   - interface: "all", "default" or an interface name; `nil` for a namespace-wide sysctl.
    /// - Returns: The value.
    /// - Throws: ``NetlinkError`` when the file is missing or unreadable.
    func sysctl(_ name: IPv6Sysctl.Name, interface: String?) throws -> Int

    /// Writes `/proc/sys/net/ipv6/conf/<interface>/<name>`.
    ///
    /// - Parameters:
    ///   - name: The sysctl's name.
    ///   - value: The value to write.
    ///   - interface: "all", "default" or an interface name; `nil` for a namespace-wide sysctl.
    /// - Throws: ``NetlinkError`` when the file is missing or not writable.
    func setSysctl(_ name: IPv6Sysctl.Name, _ value: Int, interface: String?) throws
}
