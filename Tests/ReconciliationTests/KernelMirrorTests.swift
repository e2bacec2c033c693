import IPv6Addressing
import Netlink
import Reconciliation
import Testing

/// The mirror follows announcements as the kernel does, including the removals the kernel does not announce.
@Suite struct KernelMirrorTests {
    private static let lo = Fixture.lo
    private static let eth0 = Fixture.eth0
    private static let br0 = Fixture.br0

    private static let ownedAddress = InterfaceAddress(
        ifindex: 3, address: Fixture.address("2001:db8:1000:10::1"), prefixLength: 64, flags: [.nodad, .permanent],
        addressProtocol: .hostup)
    private static let linkLocal = InterfaceAddress(
        ifindex: 3, address: Fixture.address("fe80::3"), prefixLength: 64, flags: [.permanent], scope: .link,
        addressProtocol: .kernelLinkLocal)
    private static let ownedRoute = Route(
        destination: Fixture.prefix("2001:db8:1000:100::/56"), outputInterface: 3, metric: 1024)
    private static let unreachable = Route(
        destination: Fixture.prefix("2001:db8:1000::/48"), type: .unreachable, outputInterface: 1, metric: UInt32.max)
    private static let defaultRoute = Route(
        destination: Fixture.prefix("::/0"), routeProtocol: .ra, outputInterface: 2,
        gateway: Fixture.address("fe80::ff"), metric: 1024)
    private static let foreignTable = Route(
        destination: Fixture.prefix("2001:db8:2000::/64"), table: RouteTable(rawValue: 1000), outputInterface: 3,
        metric: 1024)

    private static let desired = DesiredState(
        addresses: [
            DesiredAddress(interface: "br0", address: Fixture.address("2001:db8:1000:10::1"), prefixLength: 64)
        ],
        routes: [
            DesiredRoute(destination: Fixture.prefix("2001:db8:1000:100::/56"), interface: "br0", metric: 1024),
            DesiredRoute(
                destination: Fixture.prefix("2001:db8:1000::/48"), type: .unreachable, metric: UInt32.max),
        ],
        forwarding: true,
        uplink: "eth0"
    )

    private func makeMirror() -> KernelMirror {
        KernelMirror(
            ObservedState(
                links: [Self.lo, Self.eth0, Self.br0],
                addresses: [Self.ownedAddress, Self.linkLocal],
                routes: [Self.ownedRoute, Self.unreachable, Self.defaultRoute, Self.foreignTable]
            )
        )
    }

    @Test func observesTheDumpWithoutOtherTables() {
        let observed = makeMirror().observe()
        #expect(observed.links == [Self.lo, Self.eth0, Self.br0])
        #expect(Set(observed.addresses) == [Self.ownedAddress, Self.linkLocal])
        #expect(Set(observed.routes) == [Self.ownedRoute, Self.unreachable, Self.defaultRoute])
    }

    @Test func appliesAddedAndRemovedObjects() {
        var mirror = makeMirror()
        let added = Route(destination: Fixture.prefix("2001:db8:3000::/64"), routeProtocol: .boot, outputInterface: 2)
        #expect(mirror.apply(.newRoute(added, replaces: false)) == [.routeAdded(added, interface: "eth0")])
        #expect(mirror.apply(.newRoute(added, replaces: false)) == [])
        #expect(mirror.observe().routes.contains(added))
        #expect(mirror.apply(.deletedRoute(added)) == [.routeRemoved(added, interface: "eth0")])
        #expect(mirror.apply(.deletedRoute(added)) == [])
        #expect(mirror.apply(.deletedAddress(Self.linkLocal)) == [.addressRemoved(Self.linkLocal, interface: "br0")])
        #expect(!mirror.observe().addresses.contains(Self.linkLocal))
    }

    @Test func aDeletedLinkTakesItsAddressesAndRoutes() {
        var mirror = makeMirror()
        mirror.apply(.netconf(IPv6Netconf(interface: .index(3), forwarding: true)))
        let changes = mirror.apply(.deletedLink(Self.br0))
        #expect(mirror.forwarding(of: .index(3)) == nil)
        #expect(changes.contains(.linkRemoved(Self.br0)))
        #expect(changes.contains(.addressRemoved(Self.ownedAddress, interface: "br0")))
        #expect(changes.contains(.routeRemoved(Self.ownedRoute, interface: "br0")))
        let observed = mirror.observe()
        #expect(observed.links == [Self.lo, Self.eth0])
        #expect(observed.addresses.isEmpty)
        #expect(Set(observed.routes) == [Self.unreachable, Self.defaultRoute])
    }

    @Test func aLinkGoingDownTakesItsRoutesButNotItsAddresses() {
        // skip_notify_on_dev_down=1: no RTM_DELROUTE comes; addrconf_ifdown() announces what it removes itself.
        var mirror = makeMirror()
        var down = Self.br0
        down.isUp = false
        let changes = mirror.apply(.newLink(down))
        #expect(changes.first == .linkChanged(old: Self.br0, new: down))
        #expect(changes.contains(.routeRemoved(Self.ownedRoute, interface: "br0")))
        #expect(mirror.observe().routes.allSatisfy { $0.outputInterface != 3 })
        #expect(mirror.observe().addresses.count == 2)
        // A carrier change alone removes nothing (fib6_ifdown() only marks routes RTNH_F_LINKDOWN).
        var mirror2 = makeMirror()
        var noCarrier = Self.br0
        noCarrier.isLowerUp = false
        #expect(mirror2.apply(.newLink(noCarrier)) == [.linkChanged(old: Self.br0, new: noCarrier)])
        #expect(mirror2.observe().routes.contains(Self.ownedRoute))
    }

    @Test func aRecreatedLinkIsANewLink() {
        var mirror = makeMirror()
        mirror.apply(.deletedLink(Self.br0))
        let again = Link(ifindex: 9, name: "br0", isUp: true, isLowerUp: true, kind: "bridge")
        #expect(mirror.apply(.newLink(again)) == [.linkAdded(again)])
        #expect(mirror.observe().link(named: "br0") == again)
        #expect(mirror.observe().addresses.isEmpty)
    }

    @Test func aReplacementTakesThePlaceOfItsSlot() {
        var mirror = makeMirror()
        let replacement = Route(
            destination: Self.unreachable.destination, outputInterface: 3, metric: UInt32.max)
        let changes = mirror.apply(.newRoute(replacement, replaces: true))
        #expect(
            changes == [
                .routeRemoved(Self.unreachable, interface: "lo"), .routeAdded(replacement, interface: "br0"),
            ])
        #expect(!mirror.observe().routes.contains(Self.unreachable))
        #expect(mirror.observe().routes.contains(replacement))
    }

    @Test func eventsOlderThanTheDumpConvergeOnReplay() {
        // Subscribed, then: br0 down (its routes go silently), br0 up, route added again; then the dump ran. The
        // queued events replayed on the dump's result leave it as the kernel has it.
        var mirror = makeMirror()
        var down = Self.br0
        down.isUp = false
        let before = mirror.observe()
        for event: RTNetlinkEvent in [
            .newLink(down), .newLink(Self.br0), .newRoute(Self.ownedRoute, replaces: false),
        ] {
            mirror.apply(event)
        }
        #expect(mirror.observe() == before)
    }

    @Test func resyncReplacesEverything() {
        var mirror = makeMirror()
        mirror.apply(.netconf(IPv6Netconf(interface: .all, forwarding: true)))
        mirror.resync(ObservedState(links: [Self.lo]))
        #expect(mirror.observe() == ObservedState(links: [Self.lo]))
        #expect(mirror.forwarding(of: .all) == true)
    }

    @Test func forwardingIsReportedOnlyWhenItChanges() {
        var mirror = makeMirror()
        let off = IPv6Netconf(interface: .all, forwarding: false)
        #expect(mirror.apply(.netconf(off)) == [.forwardingChanged(.all, enabled: false)])
        #expect(mirror.apply(.netconf(off)) == [])
        #expect(mirror.apply(.netconf(IPv6Netconf(interface: .index(3)))) == [])
        #expect(mirror.forwarding(of: .all) == false)
    }

    // MARK: relevance

    @Test func removalsOfDesiredObjectsAreRelevant() {
        var mirror = makeMirror()
        let changes = mirror.apply(.deletedAddress(Self.ownedAddress)) + mirror.apply(.deletedRoute(Self.unreachable))
        #expect(changes.count == 2)
        #expect(changes.allSatisfy { $0.isRelevant(to: Self.desired) })
        #expect(!mirror.apply(.deletedAddress(Self.linkLocal)).contains { $0.isRelevant(to: Self.desired) })
        #expect(!mirror.apply(.deletedRoute(Self.defaultRoute)).contains { $0.isRelevant(to: Self.desired) })
    }

    @Test func theAgentsOwnAddsAreNotRelevant() {
        var mirror = KernelMirror(ObservedState(links: [Self.lo, Self.eth0, Self.br0]))
        let changes =
            mirror.apply(.newAddress(Self.ownedAddress))
            + mirror.apply(.newRoute(Self.ownedRoute, replaces: false))
            + mirror.apply(.newRoute(Self.unreachable, replaces: false))
        #expect(changes.count == 3)
        #expect(!changes.contains { $0.isRelevant(to: Self.desired) })
    }

    @Test func foreignOrStrayObjectsAreRelevant() {
        var mirror = KernelMirror(ObservedState(links: [Self.lo, Self.eth0, Self.br0]))
        var foreign = Self.ownedRoute
        foreign.routeProtocol = .boot
        #expect(mirror.apply(.newRoute(foreign, replaces: false)).contains { $0.isRelevant(to: Self.desired) })
        let stray = Route(destination: Fixture.prefix("2001:db8:9::/64"), outputInterface: 3)
        #expect(mirror.apply(.newRoute(stray, replaces: false)).contains { $0.isRelevant(to: Self.desired) })
        var withDAD = Self.ownedAddress
        withDAD.flags = [.permanent]
        #expect(mirror.apply(.newAddress(withDAD)).contains { $0.isRelevant(to: Self.desired) })
    }

    @Test func linksNamedByTheDesiredStateAreRelevant() {
        var mirror = makeMirror()
        var down = Self.eth0
        down.isUp = false
        #expect(mirror.apply(.newLink(down)).first?.isRelevant(to: Self.desired) == true)
        let veth = Link(ifindex: 7, name: "veth7", kind: "veth")
        #expect(mirror.apply(.newLink(veth)).first?.isRelevant(to: Self.desired) == false)
        var carrier = Self.br0
        carrier.isLowerUp = false
        #expect(mirror.apply(.newLink(carrier)).first?.isRelevant(to: Self.desired) == false)
        #expect(mirror.apply(.deletedLink(Self.br0)).first?.isRelevant(to: Self.desired) == true)
    }

    @Test func forwardingOffIsRelevantWhenWanted() {
        #expect(MirrorChange.forwardingChanged(.all, enabled: false).isRelevant(to: Self.desired))
        #expect(!MirrorChange.forwardingChanged(.all, enabled: true).isRelevant(to: Self.desired))
        #expect(!MirrorChange.forwardingChanged(.index(3), enabled: false).isRelevant(to: Self.desired))
        #expect(!MirrorChange.forwardingChanged(.all, enabled: false).isRelevant(to: .empty))
        #expect(MirrorChange.eventsLost.isRelevant(to: .empty))
    }
}
