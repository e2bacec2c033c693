import HostUpAPI
import Testing

@testable import RoutingAgent

/// `routes delete` and `pool release` before anything is sent, against the in-process simulator. Only the GET
/// reaches the API when the check refuses.
@Suite struct ActionGateCheckTests {
    typealias API = SimulatedAPI

    /// The check's refusal for `body` on the account seeded with `API.base`, and the requests made.
    func refusal(
        _ body: @escaping @Sendable (RoutedIPv6State) throws -> Void
    ) async throws -> (ActionGateCheck.Refusal?, [String]) {
        try await API.run(API.base) { client, _ in
            let state = try await client.routedIPv6Document().state
            do {
                try body(state)
                return nil
            } catch let refusal as ActionGateCheck.Refusal {
                return refusal
            }
        }
    }

    @Test func aRouteWhoseGateIsClosedIsNotDeleted() async throws {
        let (refusal, requests) = try await refusal { _ = try ActionGateCheck.routeToDelete(id: "ripv6rt_01clipending", in: $0) }
        #expect(refusal?.kind == .gateClosed)
        #expect(
            refusal?.description
                == "route ripv6rt_01clipending cannot be deleted: Only active routes can be deleted; this one is pending")
        #expect(requests == ["GET 200"])
    }

    @Test func anUnknownRouteIsAUsageError() async throws {
        let (refusal, requests) = try await refusal { _ = try ActionGateCheck.routeToDelete(id: "ripv6rt_01unknown", in: $0) }
        #expect(refusal == .init(kind: .unknown, description: "no route ripv6rt_01unknown in this account"))
        #expect(requests == ["GET 200"])
    }

    @Test func anActiveRouteMayBeDeleted() async throws {
        let (refusal, _) = try await refusal { state in
            let route = try ActionGateCheck.routeToDelete(id: "ripv6rt_01cliweb", in: state)
            #expect(route.prefix == "2001:db8:1000:10::/64")
        }
        #expect(refusal == nil)
    }

    @Test func aPoolWithRoutesIsNotReleased() async throws {
        let (refusal, requests) = try await refusal { _ = try ActionGateCheck.poolToRelease(id: API.poolID, in: $0) }
        #expect(refusal?.kind == .gateClosed)
        #expect(
            refusal?.description
                == "pool ripv6_01clipool1 cannot be released: Delete the 2 routes in this /48 before releasing it")
        #expect(requests == ["GET 200"])
    }

    @Test func anUnknownPoolIsAUsageError() async throws {
        let (refusal, requests) = try await refusal { _ = try ActionGateCheck.poolToRelease(id: "ripv6_01unknown", in: $0) }
        #expect(refusal == .init(kind: .unknown, description: "no pool ripv6_01unknown in this account"))
        #expect(requests == ["GET 200"])
    }
}
