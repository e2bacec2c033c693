import Foundation
import IPv6Addressing
import Netlink
import Reconciliation
import Testing

/// A monitor subscribed before the dump, and a mirror fed by it, against the kernel of a fresh namespace.
struct MonitorHarness {
    let monitor: RTNetlinkMonitor
    let kernel: RTNetlinkKernel
    var mirror: KernelMirror
    var seen: [RTNetlinkEvent] = []

    init(receiveBufferSize: Int = RTNetlinkMonitor.defaultReceiveBufferSize) throws {
        _ = try TestNetwork.interfaces()
        monitor = try RTNetlinkMonitor(receiveBufferSize: receiveBufferSize)
        kernel = try RTNetlinkKernel()
        mirror = KernelMirror(try kernel.observe())
    }

    /// Reads and applies events until one satisfies `predicate`, for at most two seconds.
    @discardableResult
    mutating func awaitEvent(
        _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ predicate: (RTNetlinkEvent) -> Bool
    ) throws -> RTNetlinkEvent? {
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            for event in try monitor.receive(timeout: .milliseconds(100)) {
                seen.append(event)
                mirror.apply(event)
                if predicate(event) {
                    return event
                }
            }
        }
        Issue.record("no event: \(what)", sourceLocation: sourceLocation)
        return nil
    }

    /// Reads and applies whatever is queued, until nothing comes for 150 ms.
    mutating func drain() throws {
        while true {
            let events = try monitor.receive(timeout: .milliseconds(150))
            if events.isEmpty {
                return
            }
            for event in events {
                seen.append(event)
                mirror.apply(event)
            }
        }
    }

    /// Expects the mirror to match a fresh dump, allowing two seconds for announcements still under way (DAD
    /// finishing changes an address's flags).
    mutating func expectConverged(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let deadline = ContinuousClock.now + .seconds(2)
        var fresh = try kernel.observe()
        while true {
            try drain()
            let mine = mirror.observe()
            fresh = try kernel.observe()
            if Set(mine.links) == Set(fresh.links), Set(mine.addresses) == Set(fresh.addresses),
                Set(mine.routes) == Set(fresh.routes)
            {
                return
            }
            if ContinuousClock.now >= deadline {
                let mine = mirror.observe()
                #expect(Set(mine.links) == Set(fresh.links), sourceLocation: sourceLocation)
                #expect(
                    Set(mine.addresses).symmetricDifference(fresh.addresses) == [],
                    sourceLocation: sourceLocation
                )
                #expect(Set(mine.routes).symmetricDifference(fresh.routes) == [], sourceLocation: sourceLocation)
                return
            }
        }
    }
}

extension KernelTests {
    /// Serialized: `theReadingThreadEndsWhenTheSequenceIsCancelledInAQuietNamespace` counts this process's
    /// netlink-monitor threads, and a monitor of another test starting or ending meanwhile would change the count.
    @Suite(.serialized) struct Monitor {
        private static func prefix(_ text: String) -> IPv6Prefix {
            try! IPv6Prefix(text)
        }

        @Test func seesAddressRouteLinkAndForwardingChanges() throws {
            var harness = try MonitorHarness()
            try TestNetwork.ip("link", "add", "hm0", "type", "veth", "peer", "name", "hm1")
            let created = try harness.awaitEvent("hm0 created") {
                if case .newLink(let link) = $0 { link.name == "hm0" } else { false }
            }
            guard case .newLink(let link) = created else {
                return
            }
            #expect(link.kind == "veth")
            try TestNetwork.ip("link", "set", "hm0", "up")
            try TestNetwork.ip("link", "set", "hm1", "up")
            try harness.expectConverged()

            try TestNetwork.ip("-6", "addr", "add", "2001:db8:77::1/64", "dev", "hm0", "nodad")
            try harness.awaitEvent("address added") {
                if case .newAddress(let address) = $0 { address.address == (try? IPv6Address("2001:db8:77::1")) }
                else { false }
            }
            try TestNetwork.ip("-6", "route", "add", "2001:db8:78::/64", "dev", "hm0", "proto", "201")
            try harness.awaitEvent("route added") {
                if case .newRoute(let route, replaces: false) = $0 {
                    route.destination == Self.prefix("2001:db8:78::/64") && route.routeProtocol == .hostup
                } else { false }
            }
            try harness.expectConverged()

            try TestNetwork.ip("-6", "route", "del", "2001:db8:78::/64", "dev", "hm0", "proto", "201")
            try harness.awaitEvent("route deleted") {
                if case .deletedRoute(let route) = $0 { route.destination == Self.prefix("2001:db8:78::/64") }
                else { false }
            }
            try TestNetwork.ip("-6", "addr", "del", "2001:db8:77::1/64", "dev", "hm0")
            try harness.awaitEvent("address deleted") {
                if case .deletedAddress(let address) = $0 { address.address == (try? IPv6Address("2001:db8:77::1")) }
                else { false }
            }
            try harness.expectConverged()

            let sysctl = IPv6Sysctl()
            let original = try sysctl.value(.forwarding, interface: "all")
            try sysctl.setValue(original == 0 ? 1 : 0, for: .forwarding, interface: "all")
            try harness.awaitEvent("all.forwarding flipped") {
                $0 == .netconf(IPv6Netconf(interface: .all, forwarding: original == 0))
            }
            #expect(harness.mirror.forwarding(of: .all) == (original == 0))
            try sysctl.setValue(original, for: .forwarding, interface: "all")
            try harness.awaitEvent("all.forwarding restored") {
                $0 == .netconf(IPv6Netconf(interface: .all, forwarding: original != 0))
            }
            try harness.expectConverged()

            try TestNetwork.ip("link", "del", "hm0")
            try harness.awaitEvent("hm0 deleted") {
                if case .deletedLink(let link) = $0 { link.name == "hm0" } else { false }
            }
            try harness.expectConverged()
            #expect(harness.mirror.observe().link(named: "hm1") == nil)
            #expect(!harness.seen.contains(.lostEvents))
        }

        @Test func aLinkGoingDownSilentlyLosesItsRoutes() throws {
            // With skip_notify_on_dev_down=1, rt6_sync_down_dev() removes the link's routes without RTM_DELROUTE.
            // The sysctl is not there in a namespace owned by a user namespace other than the first (the kernel does
            // not export net.ipv6.route.* to it): there the kernel announces the removals and the same checks hold.
            let skipNotify = "/proc/sys/net/ipv6/route/skip_notify_on_dev_down"
            let silent = FileManager.default.fileExists(atPath: skipNotify)
            if silent {
                try "1".write(toFile: skipNotify, atomically: false, encoding: .utf8)
            }
            defer {
                if silent {
                    try? "0".write(toFile: skipNotify, atomically: false, encoding: .utf8)
                }
            }
            try TestNetwork.ip("link", "add", "hm2", "type", "veth", "peer", "name", "hm3")
            try TestNetwork.ip("link", "set", "hm2", "up")
            try TestNetwork.ip("link", "set", "hm3", "up")
            try TestNetwork.ip("-6", "route", "add", "2001:db8:79::/64", "dev", "hm2", "proto", "201")
            defer { _ = try? TestNetwork.ip("link", "del", "hm2") }

            var harness = try MonitorHarness()
            #expect(harness.mirror.observe().routes.contains { $0.destination == Self.prefix("2001:db8:79::/64") })
            try TestNetwork.ip("link", "set", "hm2", "down")
            try harness.awaitEvent("hm2 down") {
                if case .newLink(let link) = $0 { link.name == "hm2" && !link.isUp } else { false }
            }
            try harness.expectConverged()
            #expect(!harness.mirror.observe().routes.contains { $0.destination == Self.prefix("2001:db8:79::/64") })
            #expect(
                !silent
                    || !harness.seen.contains {
                    if case .deletedRoute(let route) = $0 { route.destination == Self.prefix("2001:db8:79::/64") }
                    else { false }
                },
                "the kernel announced the removal after all: skip_notify_on_dev_down had no effect"
            )

            // Up again, a route, then the link deleted: the mirror drops what went with it.
            try TestNetwork.ip("link", "set", "hm2", "up")
            try TestNetwork.ip("-6", "route", "add", "2001:db8:79::/64", "dev", "hm2", "proto", "201")
            try harness.expectConverged()
            try TestNetwork.ip("link", "del", "hm2")
            try harness.awaitEvent("hm2 deleted") {
                if case .deletedLink(let link) = $0 { link.name == "hm2" } else { false }
            }
            try harness.expectConverged()
        }

        @Test func aFullQueueReportsLostEventsAndAResyncConverges() throws {
            var harness = try MonitorHarness(receiveBufferSize: 4096)
            #expect(harness.monitor.receiveBufferSize < 64 * 1024)
            let netlink = try RTNetlink()
            let parent = Self.prefix("2001:db8:f000::/48")
            let routes = try (0..<2000).map { index in
                Route(
                    destination: try parent.subnet(ofLength: 64, index: index),
                    type: .unreachable,
                    metric: 4242
                )
            }
            // Thousands of announcements while nobody reads: the small queue overflows.
            let added = try netlink.perform(routes.map(RTNetlinkRequest.addRoute))
            #expect(added.allSatisfy { (try? $0.get()) != nil })
            defer { _ = try? netlink.perform(routes.map(RTNetlinkRequest.removeRoute)) }

            try harness.awaitEvent("lost events (ENOBUFS)") { $0 == .lostEvents }
            // A resync: dump again, then keep applying what comes after.
            harness.mirror.resync(try harness.kernel.observe())
            try harness.expectConverged()
            #expect(harness.mirror.observe().routes.filter { $0.metric == 4242 }.count == 2000)

            // Once drained, the small queue carries single changes again.
            let removed = try netlink.perform(routes.prefix(3).map(RTNetlinkRequest.removeRoute))
            #expect(removed.allSatisfy { (try? $0.get()) != nil })
            try harness.awaitEvent("a route removal after the resync") {
                if case .deletedRoute(let route) = $0 { route.destination == routes[2].destination } else { false }
            }
            #expect(!harness.seen.suffix(3).contains(.lostEvents))
            try harness.expectConverged()
        }

        @Test func eventsArriveAsAnAsyncSequenceAndStopWhenDropped() async throws {
            _ = try TestNetwork.interfaces()
            let monitor = try RTNetlinkMonitor()
            let address = InterfaceAddress(
                ifindex: try TestNetwork.interfaces().loopback,
                address: try IPv6Address("2001:db8:7a::1"),
                prefixLength: 128,
                flags: [.nodad]
            )
            let netlink = try RTNetlink()
            let found = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for try await event in monitor.events() {
                        if case .newAddress(let seen) = event, seen.address == address.address {
                            return true
                        }
                    }
                    return false
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(100))
                    try netlink.addAddress(address)
                    try await Task.sleep(for: .seconds(3))
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
            try netlink.removeAddress(address)
            #expect(found)
        }

        /// The reading thread sleeps in poll(2) with no timeout; the end of the sequence must still wake it.
        @Test func theReadingThreadEndsWhenTheSequenceIsCancelledInAQuietNamespace() async throws {
            _ = try TestNetwork.interfaces()
            // By thread id, not by count: a monitor thread of the suite's previous test may still be ending.
            func monitorThreads() -> Set<String> {
                let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
                return Set(tasks.filter {
                    (try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8))?
                        .hasPrefix("netlink-monitor") ?? false
                })
            }
            let before = monitorThreads()
            let monitor = try RTNetlinkMonitor()
            let reader = Task {
                for try await _ in monitor.events() {}
            }
            try await Task.sleep(for: .milliseconds(200))
            let started = monitorThreads().subtracting(before)
            #expect(started.count == 1, "one netlink-monitor thread starts with the sequence")
            reader.cancel()
            _ = try? await reader.value
            var waited = 0
            while !monitorThreads().isDisjoint(with: started) && waited < 2000 {
                try await Task.sleep(for: .milliseconds(20))
                waited += 20
            }
            #expect(monitorThreads().isDisjoint(with: started), "the netlink-monitor thread still runs 2 s after the cancellation")
        }
    }
}
