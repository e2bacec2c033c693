import IPv6Addressing
import Netlink

/// Waits for the agent's objects of a prefix to appear in the kernel.
enum KernelWait {
    struct TimedOut: Error, CustomStringConvertible {
        var description: String
    }

    /// Polls the routing tables until the agent's `unreachable` route for `prefix` (which every binding mode adds)
    /// is present.
    static func untilRouted(_ prefix: IPv6Prefix, timeout: Duration) async throws {
        let netlink = try RTNetlink()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try netlink.routes(in: .main).contains(where: { $0.destination == prefix && $0.routeProtocol == .hostup }) {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TimedOut(description: "the kernel does not route \(prefix) after \(timeout.components.seconds) s")
    }
}
