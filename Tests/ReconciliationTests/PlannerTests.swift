import IPv6Addressing
import Netlink
import Reconciliation
import Testing

@Suite struct PlannerTests {
    @Test func emptyKernelGetsAnyipForOneSlash64() {
        let kernel = Fixture.kernel()
        let plan = Fixture.plan(Fixture.desired([Fixture.r1]), on: kernel)
        #expect(
            plan.lines == [
                "sysctl -w net.ipv6.ip_nonlocal_bind=1",
                "sysctl -w net.ipv6.conf.lo.keep_addr_on_down=1",
                "ip -6 address add 2001:db8:1000:10::1/128 dev lo nodad noprefixroute proto hostup",
                "ip -6 route add unreachable 2001:db8:1000:10::/64 proto hostup metric 4294967295",
                "ip -6 route add local 2001:db8:1000:10::/64 dev lo table local proto hostup",
            ])
        #expect(plan.routeIDs.count == 3)
        #expect(plan.routeIDs.values.allSatisfy { $0 == "r1" })
    }

    @Test func secondRunAfterApplyingIsEmpty() {
        let kernel = Fixture.kernel()
        let desired = Fixture.desired([Fixture.r1, Fixture.r2])
        let (_, report) = Fixture.converge(desired, on: kernel)
        #expect(report.failed.isEmpty)
        let again = Fixture.plan(desired, on: kernel, owned: report.ownership)
        #expect(again.lines == [])
        #expect(again.isEmpty)
    }

    @Test func removedRouteTakesOnlyOurObjects() {
        let kernel = Fixture.kernel()
        let (_, report) = Fixture.converge(Fixture.desired([Fixture.r1]), on: kernel)
        // The admin adds an address inside the routed prefix, and a static route into it.
        let handMadeAddress = InterfaceAddress(
            ifindex: 3, address: Fixture.address("2001:db8:1000:10::5"), prefixLength: 64)
        let staticRoute = Route(
            destination: Fixture.prefix("2001:db8:1000:10:1::/80"), routeProtocol: .static, outputInterface: 3,
            metric: 1024)
        kernel.mutate {
            $0.addresses.append(handMadeAddress)
            $0.routes.append(staticRoute)
        }

        let plan = Fixture.plan(.empty, on: kernel, owned: report.ownership)
        #expect(
            plan.lines == [
                "ip -6 route del unreachable 2001:db8:1000:10::/64 proto hostup metric 4294967295",
                "ip -6 route del local 2001:db8:1000:10::/64 dev lo table local proto hostup",
                "ip -6 address del 2001:db8:1000:10::1/128 dev lo",
            ])
        let removal = Fixture.executor(kernel).apply(plan)
        #expect(removal.failed.isEmpty)
        #expect(removal.ownership.addresses.isEmpty)
        let after = kernel.observed
        #expect(after.addresses.contains(handMadeAddress))
        #expect(after.routes.contains(staticRoute))
        #expect(after.addresses.contains { $0.address.isLinkLocal })
        #expect(after.routes.contains { $0.destination.length == 0 && $0.routeProtocol == .ra })
        #expect(!after.routes.contains { $0.routeProtocol == .hostup })
        #expect(Fixture.plan(.empty, on: kernel, owned: removal.ownership).lines == [])
    }

    @Test func addressModeWithForwardingRaisesAcceptRABeforeForwarding() {
        let kernel = Fixture.kernel()
        let desired = Fixture.desired(
            [Fixture.r1], [Binding(match: "web", mode: .address, interface: "br0", forwarding: true)])
        let plan = Fixture.plan(desired, on: kernel)
        #expect(
            plan.lines == [
                "sysctl -w net.ipv6.conf.eth0.accept_ra=2",
                "sysctl -w net.ipv6.conf.all.forwarding=1",
                "sysctl -w net.ipv6.conf.br0.keep_addr_on_down=1",
                "ip -6 address add 2001:db8:1000:10::1/64 dev br0 nodad proto hostup",
                "ip -6 route add unreachable 2001:db8:1000:10::/64 proto hostup metric 4294967295",
            ])
        let report = Fixture.executor(kernel).apply(plan)
        #expect(report.failed.isEmpty)
        #expect(
            kernel.sysctlWrites == [
                "net.ipv6.conf.eth0.accept_ra=2", "net.ipv6.conf.all.forwarding=1",
                "net.ipv6.conf.br0.keep_addr_on_down=1",
            ])
        // Every forwarding value is saved before all.forwarding is written: the write copies itself into them.
        #expect(
            report.savedSysctls == [
                SavedSysctl(.acceptRA, interface: "eth0", value: 1),
                SavedSysctl(.forwarding, interface: "all", value: 0),
                SavedSysctl(.forwarding, interface: "br0", value: 0),
                SavedSysctl(.forwarding, interface: "default", value: 0),
                SavedSysctl(.forwarding, interface: "eth0", value: 0),
                SavedSysctl(.forwarding, interface: "lo", value: 0),
                SavedSysctl(.forwarding, interface: "veth1", value: 0),
            ])
        #expect(plan.savedSysctls == report.savedSysctls)
        // The kernel's on-link prefix route follows the address; it is not ours and not planned.
        #expect(
            kernel.observed.routes.contains {
                $0.destination == Fixture.r1.prefix && $0.routeProtocol == .kernel && $0.outputInterface == 3
            })
        #expect(
            Fixture.plan(desired, on: kernel, owned: report.ownership, originals: report.savedSysctls).lines == [])
    }

    @Test(arguments: [nil, "eth9"])
    func forwardingWaitsForAKnownUplink(uplink: String?) {
        let kernel = Fixture.kernel()
        let desired = Fixture.desired(
            [Fixture.r1], [Binding(match: "web", mode: .address, interface: "br0", forwarding: true)], uplink: uplink)
        let plan = Fixture.plan(desired, on: kernel)
        #expect(!plan.operations.contains { "\($0)".contains("forwarding") }, "forwarding without accept_ra=2 drops the default route")
        #expect(
            plan.deferred.map(\.description) == [
                "# deferred: \(uplink ?? "the uplink (no IPv6 default route)") not found: "
                    + "net.ipv6.conf.all.forwarding=1 (accept_ra must be raised on the uplink first)"
            ])
        #expect(plan.lines.contains("ip -6 address add 2001:db8:1000:10::1/64 dev br0 nodad proto hostup"))
    }

    @Test func splitHandsChildrenToBindingsInOrder() {
        let kernel = Fixture.kernel()
        let desired = Fixture.desired(
            [Fixture.r2],
            [
                Binding(match: "r2", mode: .address, interface: "br0", host: Fixture.address("::a"), split: 64),
                Binding(match: "2001:db8:1000:100::/56", mode: .route, interface: "veth1", split: 64),
            ])
        let plan = Fixture.plan(desired, on: kernel)
        #expect(
            plan.lines == [
                "sysctl -w net.ipv6.conf.br0.keep_addr_on_down=1",
                "ip -6 address add 2001:db8:1000:100::a/64 dev br0 nodad proto hostup",
                "ip -6 route add unreachable 2001:db8:1000:100::/56 proto hostup metric 4294967295",
                "ip -6 route add 2001:db8:1000:101::/64 dev veth1 proto hostup",
            ])
    }

    @Test func missingInterfaceIsDeferredAndNothingIsRemoved() throws {
        let kernel = Fixture.kernel()
        // Applied earlier with a route binding on br0.
        let before = Fixture.desired([Fixture.r1], [Binding(mode: .route, interface: "br0")])
        Fixture.converge(before, on: kernel)
        // Now the binding names wg0, which does not exist (yet), and an address on br9.
        let after = Fixture.desired(
            [Fixture.r1],
            [Binding(mode: .route, interface: "wg0"), Binding(match: "r1", mode: .address, interface: "br9")])
        let plan = Fixture.plan(after, on: kernel)
        #expect(plan.lines == ["# deferred: wg0 not found (route r1): route 2001:db8:1000:10::/64"])
        let waiting = try #require(after.routes.first { $0.interface == "wg0" })
        #expect(
            plan.deferred == [
                Deferral(
                    interface: "wg0", object: "route 2001:db8:1000:10::/64", routeID: "r1", wanted: .route(waiting))
            ])
    }

    @Test func deferredAddressWaitsForItsInterface() {
        let kernel = Fixture.kernel()
        let desired = Fixture.desired([Fixture.r1], [Binding(mode: .address, interface: "br9")])
        #expect(
            Fixture.plan(desired, on: kernel).lines == [
                "ip -6 route add unreachable 2001:db8:1000:10::/64 proto hostup metric 4294967295",
                "# deferred: br9 not found (route r1): address 2001:db8:1000:10::1/64",
            ])
        kernel.mutate { $0.links.append(Link(ifindex: 9, name: "br9", isUp: true)) }
        #expect(
            Fixture.plan(desired, on: kernel).lines == [
                "ip -6 address add 2001:db8:1000:10::1/64 dev br9 nodad proto hostup",
                "ip -6 route add unreachable 2001:db8:1000:10::/64 proto hostup metric 4294967295",
            ])
    }

    @Test func addressOwnedByStateRecordWithoutIFAProtoIsRemoved() {
        let kernel = Fixture.kernel()
        // A kernel before 5.18 reports no IFA_PROTO.
        let ours = InterfaceAddress(
            ifindex: 1, address: Fixture.address("2001:db8:1000:10::1"), prefixLength: 128,
            flags: [.nodad, .noPrefixRoute, .permanent])
        kernel.mutate { $0.addresses.append(ours) }
        let record = OwnershipRecord(addresses: [
            OwnedAddress(interface: "lo", address: ours.address, prefixLength: 128),
            OwnedAddress(interface: "br0", address: Fixture.address("2001:db8:1000:20::1"), prefixLength: 64),
        ])

        let plan = Fixture.plan(.empty, on: kernel, owned: record)
        #expect(plan.lines == ["ip -6 address del 2001:db8:1000:10::1/128 dev lo"])
        // The entry for an address that is gone is dropped from the record.
        #expect(plan.ownership == OwnershipRecord(addresses: [OwnedAddress(interface: "lo", address: ours.address, prefixLength: 128)]))
        let report = Fixture.executor(kernel).apply(plan)
        #expect(report.ownership.addresses.isEmpty)
        #expect(!kernel.observed.addresses.contains(ours))

        // Without the record the same address is the admin's and stays.
        kernel.mutate { $0.addresses.append(ours) }
        #expect(Fixture.plan(.empty, on: kernel).lines == [])
    }

    @Test func ownedAddressWithWrongPrefixLengthIsRecreated() {
        let kernel = Fixture.kernel()
        kernel.mutate {
            $0.addresses.append(
                InterfaceAddress(
                    ifindex: 3, address: Fixture.address("2001:db8:1000:10::1"), prefixLength: 128,
                    flags: [.nodad], addressProtocol: .hostup))
        }
        let desired = Fixture.desired([Fixture.r1], [Binding(mode: .address, interface: "br0")])
        let plan = Fixture.plan(desired, on: kernel)
        // inet6_addr_modify() cannot change a prefix length: remove, then add, before anything is removed.
        #expect(
            plan.lines == [
                "sysctl -w net.ipv6.conf.br0.keep_addr_on_down=1",
                "ip -6 address del 2001:db8:1000:10::1/128 dev br0",
                "ip -6 address add 2001:db8:1000:10::1/64 dev br0 nodad proto hostup",
                "ip -6 route add unreachable 2001:db8:1000:10::/64 proto hostup metric 4294967295",
            ])
        let report = Fixture.executor(kernel).apply(plan)
        #expect(report.failed.isEmpty)
        #expect(Fixture.plan(desired, on: kernel, owned: report.ownership).lines == [])
    }

    @Test func ownedAddressWithOtherFlagsIsReplaced() {
        let kernel = Fixture.kernel()
        kernel.mutate {
            $0.addresses.append(
                InterfaceAddress(
                    ifindex: 1, address: Fixture.address("2001:db8:1000:10::1"), prefixLength: 128,
                    flags: [.nodad], addressProtocol: .hostup))
            $0.routes += [
                Route(destination: Fixture.r1.prefix, type: .local, table: .local, scope: .host, outputInterface: 1, metric: 1024),
                Route(destination: Fixture.r1.prefix, type: .unreachable, outputInterface: 1, metric: .max),
            ]
        }
        let plan = Fixture.plan(Fixture.desired([Fixture.r1]), on: kernel, originals: [])
        #expect(
            plan.lines == [
                "sysctl -w net.ipv6.ip_nonlocal_bind=1",
                "sysctl -w net.ipv6.conf.lo.keep_addr_on_down=1",
                "ip -6 address replace 2001:db8:1000:10::1/128 dev lo nodad noprefixroute proto hostup",
            ])
    }

    @Test func foreignAddressIsAConflictAndLeftAlone() {
        let kernel = Fixture.kernel()
        let handMade = InterfaceAddress(ifindex: 3, address: Fixture.address("2001:db8:1000:10::1"), prefixLength: 64)
        kernel.mutate { $0.addresses.append(handMade) }
        let desired = Fixture.desired([Fixture.r1], [Binding(mode: .address, interface: "br0")])
        let plan = Fixture.plan(desired, on: kernel)
        #expect(
            plan.lines == [
                "sysctl -w net.ipv6.conf.br0.keep_addr_on_down=1",
                "ip -6 route add unreachable 2001:db8:1000:10::/64 proto hostup metric 4294967295",
                "# conflict: address 2001:db8:1000:10::1/64 on br0 (route r1): "
                    + "2001:db8:1000:10::1/64 on br0 (not added by hostup-routed) is in the way, left alone",
            ])
    }

    @Test func foreignRouteWithTheSameKeyIsAConflict() {
        let kernel = Fixture.kernel()
        kernel.mutate {
            $0.routes.append(
                Route(destination: Fixture.r1.prefix, routeProtocol: .static, outputInterface: 2, metric: 1024))
        }
        let desired = Fixture.desired([Fixture.r1], [Binding(mode: .route, interface: "br0")])
        #expect(
            Fixture.plan(desired, on: kernel).lines == [
                "ip -6 route add unreachable 2001:db8:1000:10::/64 proto hostup metric 4294967295",
                "# conflict: route 2001:db8:1000:10::/64 table main metric 1024 (route r1): "
                    + "2001:db8:1000:10::/64 dev eth0 proto static is in the way, left alone",
            ])
    }

    @Test func ourRouteOnAnotherInterfaceIsReplaced() {
        let kernel = Fixture.kernel()
        Fixture.converge(Fixture.desired([Fixture.r1], [Binding(mode: .route, interface: "br0")]), on: kernel)
        let moved = Fixture.desired([Fixture.r1], [Binding(mode: .route, interface: "veth1")])
        let plan = Fixture.plan(moved, on: kernel)
        #expect(plan.lines == ["ip -6 route replace 2001:db8:1000:10::/64 dev veth1 proto hostup"])
        _ = Fixture.executor(kernel).apply(plan)
        #expect(Fixture.plan(moved, on: kernel).lines == [])
    }

    @Test func switchingModesAddsBeforeRemoving() {
        let kernel = Fixture.kernel()
        let (_, first) = Fixture.converge(Fixture.desired([Fixture.r1]), on: kernel)
        let plan = Fixture.plan(
            Fixture.desired([Fixture.r1], [Binding(mode: .address, interface: "br0")]), on: kernel, owned: first.ownership)
        #expect(
            plan.lines == [
                "sysctl -w net.ipv6.conf.br0.keep_addr_on_down=1",
                "ip -6 address add 2001:db8:1000:10::1/64 dev br0 nodad proto hostup",
                "ip -6 route del local 2001:db8:1000:10::/64 dev lo table local proto hostup",
                "ip -6 address del 2001:db8:1000:10::1/128 dev lo",
            ])
    }

    @Test func forwardingIsRestoredWhenNoLongerNeeded() {
        let kernel = Fixture.kernel()
        let forwarding = Fixture.desired(
            [Fixture.r1], [Binding(mode: .address, interface: "br0", forwarding: true)])
        let (_, first) = Fixture.converge(forwarding, on: kernel)
        #expect(kernel.sysctlValue(.forwarding, "all") == 1)
        #expect(kernel.sysctlValue(.acceptRA, "eth0") == 2)

        let plain = Fixture.desired([Fixture.r1], [Binding(mode: .address, interface: "br0")])
        let plan = Fixture.plan(plain, on: kernel, owned: first.ownership, originals: first.savedSysctls)
        #expect(
            plan.lines == [
                "sysctl -w net.ipv6.conf.all.forwarding=0",
                "sysctl -w net.ipv6.conf.eth0.accept_ra=1",
            ])
        let report = Fixture.executor(kernel).apply(plan)
        #expect(report.failed.isEmpty)
        #expect(report.savedSysctls == [])
        #expect(kernel.sysctlValue(.forwarding, "all") == 0)
        #expect(kernel.sysctlValue(.acceptRA, "eth0") == 1)
        #expect(Fixture.plan(plain, on: kernel, owned: report.ownership, originals: report.savedSysctls).lines == [])
    }

    @Test func originalAlreadyBackIsForgottenWithoutAWrite() {
        let kernel = Fixture.kernel()
        let plan = Fixture.plan(
            .empty, on: kernel, originals: [SavedSysctl(.forwarding, interface: "all", value: 0)])
        #expect(plan.lines == [])
        #expect(plan.savedSysctls == [])
    }

    @Test func adminValuesOfAcceptRAAndKeepAddrOnDownAreKept() {
        let kernel = FakeKernel(
            links: Fixture.links,
            sysctls: [
                SysctlKey(.forwarding, interface: "all"): 1,
                SysctlKey(.acceptRA, interface: "eth0"): 0,
                SysctlKey(.keepAddressOnDown, interface: "br0"): -1,
            ])
        let desired = Fixture.desired([Fixture.r1], [Binding(mode: .address, interface: "br0", forwarding: true)])
        #expect(
            Fixture.plan(desired, on: kernel).lines == [
                "ip -6 address add 2001:db8:1000:10::1/64 dev br0 nodad proto hostup",
                "ip -6 route add unreachable 2001:db8:1000:10::/64 proto hostup metric 4294967295",
            ])
    }

    @Test func sysctlNamesOfDottedInterfacesUseSlashes() {
        #expect(
            PlanOperation.setSysctl(.acceptRA, interface: "eth0.100", value: 2).description
                == "sysctl -w net.ipv6.conf.eth0/100.accept_ra=2")
    }
}
