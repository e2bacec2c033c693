import IPv6Addressing
import Netlink
import SystemPackage
import Testing

extension KernelTests {
    @Suite struct Routes {
        let netlink: RTNetlink
        let interfaces: TestNetwork.Interfaces

        init() throws {
            interfaces = try TestNetwork.interfaces()
            netlink = try RTNetlink()
        }

        private func ours(_ prefix: String, in table: RouteTable) throws -> [Route] {
            let destination = try IPv6Prefix(prefix)
            return try netlink.routes(in: table).filter { $0.destination == destination && $0.routeProtocol == .hostup }
        }

        @Test func localRouteInTableLocal() throws {
            // ip -6 route add local 2001:db8:1000::/48 dev lo table local proto 201
            let route = Route(
                destination: try IPv6Prefix("2001:db8:2000::/48"),
                type: .local,
                table: .local,
                outputInterface: interfaces.loopback
            )
            try netlink.addRoute(route)
            let dumped = try #require(try ours("2001:db8:2000::/48", in: .local).first)
            #expect(dumped.type == .local)
            #expect(dumped.table == .local)
            #expect(dumped.outputInterface == interfaces.loopback)
            #expect(dumped.metric == 1024)

            let error = #expect(throws: NetlinkError.self) { try netlink.addRoute(route) }
            #expect(error?.code == .exists)
            try netlink.replaceRoute(route)

            try netlink.removeRoute(route)
            #expect(try ours("2001:db8:2000::/48", in: .local).isEmpty)
        }

        @Test func unreachableRouteAtHighestMetricNeedsNoInterface() throws {
            // ip -6 route add unreachable 2001:db8:1000::/48 proto 201 metric 4294967295
            let route = Route(destination: try IPv6Prefix("2001:db8:2001::/48"), type: .unreachable, metric: UInt32.max)
            try netlink.addRoute(route)
            let dumped = try #require(try ours("2001:db8:2001::/48", in: .main).first)
            #expect(dumped.type == .unreachable)
            #expect(dumped.metric == UInt32.max)
            // The kernel parks reject routes on lo (fib6_nh_init()).
            #expect(dumped.outputInterface == interfaces.loopback)

            // Removing what we dumped (with the OIF the kernel reported) works as well as what we sent.
            try netlink.removeRoute(dumped)
            #expect(try ours("2001:db8:2001::/48", in: .main).isEmpty)
        }

        @Test func unicastRouteWithMetricOnVeth() throws {
            let route = Route(
                destination: try IPv6Prefix("2001:db8:2002::/56"),
                outputInterface: interfaces.veth,
                metric: 100
            )
            try netlink.addRoute(route)
            let dumped = try #require(try ours("2001:db8:2002::/56", in: .main).first)
            #expect(dumped.type == .unicast)
            #expect(dumped.outputInterface == interfaces.veth)
            #expect(dumped.metric == 100)

            // Moving it to the bridge: replace keys on destination, table and metric.
            var moved = route
            moved.outputInterface = interfaces.bridge
            try netlink.replaceRoute(moved)
            let routes = try ours("2001:db8:2002::/56", in: .main)
            #expect(routes.count == 1)
            #expect(routes.first?.outputInterface == interfaces.bridge)
            try netlink.removeRoute(moved)
        }

        @Test func routeInTableAbove255() throws {
            let table = RouteTable(rawValue: 1000)
            let route = Route(
                destination: try IPv6Prefix("2001:db8:2003::/48"),
                type: .unreachable,
                table: table,
                metric: 7
            )
            try netlink.addRoute(route)
            #expect(try ours("2001:db8:2003::/48", in: table).first?.table == table)
            #expect(try ours("2001:db8:2003::/48", in: .main).isEmpty)
            try netlink.removeRoute(route)
        }

        @Test func removingAMissingRouteIsNotFound() throws {
            let route = Route(destination: try IPv6Prefix("2001:db8:2004::/48"), type: .unreachable, metric: UInt32.max)
            let error = #expect(throws: NetlinkError.self) { try netlink.removeRoute(route) }
            #expect(error?.code == .notFound)
            #expect(error?.errno == .noSuchProcess)
            #expect(error?.operation == "RTM_DELROUTE")
        }

        @Test func extendedAckExplainsARefusal() throws {
            let route = Route(
                destination: try IPv6Prefix("2001:db8:2005::/64"),
                outputInterface: interfaces.loopback,
                gateway: try IPv6Address("fe80::1")
            )
            let error = #expect(throws: NetlinkError.self) { try netlink.addRoute(route) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.extendedAck == "Egress device can not be loopback device for this route")
        }
    }

    /// Only objects tagged with our protocol are removed; hand-made ones with the same prefix survive.
    @Suite struct Ownership {
        let netlink: RTNetlink
        let interfaces: TestNetwork.Interfaces

        init() throws {
            interfaces = try TestNetwork.interfaces()
            netlink = try RTNetlink()
        }

        @Test func handMadeObjectsSurviveRemovalOfOurs() throws {
            try TestNetwork.ip("-6", "addr", "add", "2001:db8:3000::5/128", "dev", "lo", "nodad")
            try TestNetwork.ip("-6", "route", "add", "2001:db8:3000::/48", "dev", "hu0", "proto", "static")
            defer {
                _ = try? TestNetwork.ip("-6", "addr", "del", "2001:db8:3000::5/128", "dev", "lo")
                _ = try? TestNetwork.ip("-6", "route", "del", "2001:db8:3000::/48", "dev", "hu0", "proto", "static")
            }
            let ourAddress = InterfaceAddress(
                ifindex: interfaces.loopback,
                address: try IPv6Address("2001:db8:3000::1"),
                prefixLength: 128,
                flags: [.nodad, .noPrefixRoute],
                addressProtocol: .hostup
            )
            let ourRoute = Route(
                destination: try IPv6Prefix("2001:db8:3000::/48"),
                type: .unreachable,
                metric: UInt32.max
            )
            try netlink.addAddress(ourAddress)
            try netlink.addRoute(ourRoute)

            try netlink.removeRoute(ourRoute)
            try netlink.removeAddress(ourAddress)

            let prefix = try IPv6Prefix("2001:db8:3000::/48")
            let remaining = try netlink.routes(in: .main).filter { $0.destination == prefix }
            #expect(remaining.count == 1)
            #expect(remaining.first?.routeProtocol == .static)
            #expect(remaining.first?.outputInterface == interfaces.veth)
            let addresses = try netlink.addresses(on: interfaces.loopback).map(\.address)
            #expect(addresses.contains(try IPv6Address("2001:db8:3000::5")))
            #expect(!addresses.contains(try IPv6Address("2001:db8:3000::1")))

            // A removal that names our protocol never matches the static route.
            let error = #expect(throws: NetlinkError.self) {
                try netlink.removeRoute(Route(destination: prefix, outputInterface: interfaces.veth))
            }
            #expect(error?.code == .notFound)
        }
    }
}
