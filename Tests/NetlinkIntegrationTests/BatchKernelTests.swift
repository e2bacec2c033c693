import IPv6Addressing
import Netlink
import SystemPackage
import Testing

extension KernelTests {
    @Suite struct Batches {
        let netlink: RTNetlink
        let interfaces: TestNetwork.Interfaces

        init() throws {
            interfaces = try TestNetwork.interfaces()
            netlink = try RTNetlink()
        }

        @Test func failureInTheMiddleLeavesTheOthersApplied() throws {
            let address = InterfaceAddress(
                ifindex: interfaces.loopback,
                address: try IPv6Address("2001:db8:4000::1"),
                prefixLength: 128,
                flags: [.nodad, .noPrefixRoute],
                addressProtocol: .hostup
            )
            let local = Route(
                destination: try IPv6Prefix("2001:db8:4000::/48"),
                type: .local,
                table: .local,
                outputInterface: interfaces.loopback
            )
            let unreachable = Route(destination: try IPv6Prefix("2001:db8:4000::/48"), type: .unreachable, metric: .max)
            let missing = Route(destination: try IPv6Prefix("2001:db8:4999::/48"), type: .unreachable, metric: .max)
            let badDevice = InterfaceAddress(
                ifindex: 999_999,
                address: try IPv6Address("2001:db8:4000::2"),
                prefixLength: 128
            )

            let results = try netlink.perform([
                .addAddress(address),
                .addAddress(address),
                .removeRoute(missing),
                .addRoute(local),
                .addAddress(badDevice),
                .addRoute(unreachable),
            ])
            let codes = results.map { result -> NetlinkError.Code? in
                if case .failure(let error) = result { error.code } else { nil }
            }
            #expect(codes == [nil, .exists, .notFound, nil, .noSuchDevice, nil])
            if case .failure(let error) = results[1] {
                #expect(error.extendedAck == "ipv6: address already assigned")
                #expect(error.operation == "RTM_NEWADDR")
            }

            let cleanup = try netlink.perform([.removeRoute(unreachable), .removeRoute(local), .removeAddress(address)])
            #expect(cleanup.allSatisfy { if case .success = $0 { true } else { false } })
            #expect(try netlink.addresses(on: interfaces.loopback).allSatisfy { $0.address != address.address })
        }

        @Test func largeBatchesAreSplitAndDumpedBack() throws {
            // 400 requests of 72 bytes: about 28 KiB, more than one 8 KiB datagram.
            let base = try IPv6Prefix("2001:db8:4100::/64")
            let addresses = try (1...400).map { index in
                InterfaceAddress(
                    ifindex: interfaces.bridge,
                    address: try base.address(host: IPv6Address(high: 0, low: UInt64(index))),
                    prefixLength: 128,
                    flags: [.nodad, .noPrefixRoute],
                    addressProtocol: .hostup
                )
            }
            let added = try netlink.perform(addresses.map { .addAddress($0) })
            #expect(added.count == 400)
            #expect(added.allSatisfy { if case .success = $0 { true } else { false } })

            // The dump spans several datagrams.
            let dumped = try netlink.addresses(on: interfaces.bridge).filter { base.contains($0.address) }
            #expect(Set(dumped.map(\.address)) == Set(addresses.map(\.address)))
            #expect(dumped.allSatisfy { $0.addressProtocol == .hostup })

            let removed = try netlink.perform(addresses.map { .removeAddress($0) })
            #expect(removed.allSatisfy { if case .success = $0 { true } else { false } })
            #expect(try netlink.addresses(on: interfaces.bridge).allSatisfy { !base.contains($0.address) })
        }

        @Test func dumpsStayConsistentWhileAnotherSocketChangesAddresses() async throws {
            // A writer adds and removes addresses while the dumper reads: each dump either completes (after
            // redoing interrupted passes) or reports .dumpInterrupted; nothing else, and never a crash.
            let interfaces = interfaces
            let base = try IPv6Prefix("2001:db8:4200::/64")
            // Enough standing addresses that one dump needs several datagrams, so changes can land between them.
            let standingBase = try IPv6Prefix("2001:db8:4300::/64")
            let standing = try (1...700).map { index in
                InterfaceAddress(
                    ifindex: interfaces.peer,
                    address: try standingBase.address(host: IPv6Address(high: 0, low: UInt64(index))),
                    prefixLength: 128,
                    flags: [.nodad, .noPrefixRoute]
                )
            }
            _ = try netlink.perform(standing.map { .addAddress($0) })
            defer { _ = try? netlink.perform(standing.map { .removeAddress($0) }) }
            let writer = Task.detached {
                let netlink = try RTNetlink()
                for round in 0..<40 {
                    let batch = try (1...50).map { index in
                        InterfaceAddress(
                            ifindex: interfaces.bridge,
                            address: try base.address(host: IPv6Address(high: 0, low: UInt64(round * 100 + index))),
                            prefixLength: 128,
                            flags: [.nodad, .noPrefixRoute],
                            addressProtocol: .hostup
                        )
                    }
                    _ = try netlink.perform(batch.map { .addAddress($0) })
                    _ = try netlink.perform(batch.map { .removeAddress($0) })
                }
            }
            var completed = 0
            while completed < 100 {
                do {
                    _ = try netlink.addresses()
                    _ = try netlink.routes()
                } catch let error as NetlinkError {
                    #expect(error.code == .dumpInterrupted)
                }
                completed += 1
            }
            try await writer.value
            #expect(try netlink.addresses(on: interfaces.bridge).allSatisfy { !base.contains($0.address) })
        }

        @Test func emptyBatchDoesNothing() throws {
            #expect(try netlink.perform([]).isEmpty)
        }
    }
}
