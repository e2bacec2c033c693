import IPv6Addressing
import Netlink

/// Waits for the agent's objects of a prefix to appear in the kernel.
public enum KernelWait {
    /// The kernel did not route the prefix in time.
    public struct TimedOut: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// How often the routing table is read while waiting. 200 milliseconds.
    static let pollInterval: Duration = .milliseconds(200)

    /// Polls the `main` routing table (`RTM_GETROUTE` dumps) until the agent's `unreachable` route for `prefix`,
    /// which every binding mode adds, is there.
    ///
    /// - Throws: ``TimedOut`` after `timeout`; ``Netlink/NetlinkError`` when the table cannot be read.
    public static func untilRouted(_ prefix: IPv6Prefix, timeout: Duration) async throws {
        let netlink = try RTNetlink()
        try await untilRouted(prefix, timeout: timeout) { try netlink.routes(in: .main) }
    }

    /// ``untilRouted(_:timeout:)`` over `routes`, the `main` table as read now.
    static func untilRouted(
        _ prefix: IPv6Prefix, timeout: Duration, routes: () throws -> [Route]
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try routes().contains(where: { $0.destination == prefix && $0.routeProtocol == .hostup }) {
                return
            }
            try await Task.sleep(for: pollInterval)
        }
        throw TimedOut(description: "the kernel does not route \(prefix) after \(timeout.components.seconds) s")
    }
}
