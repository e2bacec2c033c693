/// An rtnetlink client for IPv6 addresses, routes and links (`rtnetlink(7)`, over libmnl).
///
/// Every call is synchronous: it sends its request and reads until the kernel's answer is complete.
/// The socket sits behind a mutex, so one instance may be shared between tasks; calls are serialized.
/// Dumps redo themselves when the kernel reports them inconsistent (`NLM_F_DUMP_INTR`), and kernel
/// messages that cannot be parsed are skipped, never trusted.
///
/// Requires `CAP_NET_ADMIN` in the network namespace for changes; dumps need no privilege.
public final class RTNetlink: Sendable {
    let socket: NetlinkSocket

    /// Opens a `NETLINK_ROUTE` socket with extended acks (`NETLINK_EXT_ACK`) and capped acks (`NETLINK_CAP_ACK`).
    ///
    /// The corresponding C functions are `mnl_socket_open(3)` and `mnl_socket_bind(3)`.
    /// - Throws: ``NetlinkError`` when the socket cannot be opened or set up.
    public init() throws {
        socket = try NetlinkSocket()
    }

    /// Applies requests in one batch and reports each one's outcome.
    ///
    /// All requests are sent with `NLM_F_ACK` in as few `sendto` calls as possible (one for up to 8 KiB of
    /// requests); the kernel handles each independently, so one failure does not stop the rest.
    /// Idempotence is the caller's call: an add of an existing object answers ``NetlinkError/Code/exists``.
    ///
    /// - Parameter requests: The requests, applied in order.
    /// - Returns: One result per request, in the same order.
    /// - Throws: ``NetlinkError`` only when the socket itself fails; kernel refusals are in the results.
    public func perform(_ requests: [RTNetlinkRequest]) throws -> [Result<Void, NetlinkError>] {
        try socket.acknowledged(requests.map(\.acknowledgedRequest))
    }

    /// Sends one request and throws the kernel's refusal.
    func performOne(_ request: RTNetlinkRequest) throws {
        let results = try perform([request])
        try results[0].get()
    }
}
