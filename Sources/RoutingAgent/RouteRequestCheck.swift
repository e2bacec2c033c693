import HostUpAPI
import IPv6Addressing

/// Local checks of `routes create` before anything is sent, against the state document just fetched.
///
/// They mirror the seed page's rules (`POST /api/v2/routed-ipv6`, `create_route`) so that a bad request is refused
/// with a clear reason and without a round trip; the server still has the last word.
public enum RouteRequestCheck {
    /// Why the request was not sent.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The VPS a new route goes to, and this VPS's id when it can be told.
    ///
    /// - Parameters:
    ///   - explicit: `--vps-id`, when given; then this VPS not being identifiable is no error.
    ///   - configured: The config's `vps_id`.
    ///   - state: The account's state, whose `destinations[]` identify this VPS (``IdentityResolver``).
    ///   - local: This host's addresses.
    /// - Returns: The destination (`explicit`, else this VPS) and this VPS's id (`nil` when not identifiable).
    /// - Throws: ``IdentityResolver/Failure`` when no `explicit` is given and this VPS cannot be identified: the
    ///   same message, naming each candidate destination, that `sync` and the daemon give.
    public static func destination(
        explicit: String?, configured: String?, state: RoutedIPv6State, local: IdentityResolver.LocalAddresses
    ) throws -> (destination: String, thisVPS: String?) {
        let identity = Result { try IdentityResolver.resolve(configured: configured, document: state, local: local) }
        if let explicit { return (explicit, try? identity.get()) }
        let thisVPS = try identity.get()
        return (thisVPS, thisVPS)
    }

    /// Picks the pool and checks every field.
    ///
    /// - Parameters:
    ///   - state: The account's state (`GET /api/v2/routed-ipv6`).
    ///   - vpsID: The destination VPS.
    ///   - poolID: The pool, or `nil` for the account's only pool.
    ///   - prefixLength: 48, 56 or 64, and one of `allowedPrefixLengths`.
    ///   - prefix: An explicit child prefix, or `nil` to let the server choose.
    /// - Returns: The request to send.
    /// - Throws: ``Refusal`` naming what is wrong (and, for several pools, listing them).
    public static func request(
        in state: RoutedIPv6State, vpsID: String, poolID: String?, prefixLength: Int, prefix: String?, label: String?
    ) throws -> CreateRouteRequest {
        let allowed = state.allowedPrefixLengths ?? [48, 56, 64]
        guard allowed.contains(prefixLength) else {
            throw Refusal(description: "--prefix-length \(prefixLength) is not allowed (allowed: \(allowed.map(String.init).joined(separator: ", ")))")
        }
        if state.available == false {
            throw Refusal(description: "routed IPv6 is not available: \(sentence(state.reason))")
        }
        let pool: Pool
        if let poolID {
            guard let found = state.pools.first(where: { $0.id == poolID }) else {
                throw Refusal(description: "no pool \(poolID); pools: \(describe(state.pools))")
            }
            pool = found
        } else {
            switch state.pools.count {
            case 0: throw Refusal(description: "the account has no pool yet: run `hostup-routed pool allocate` first")
            case 1: pool = state.pools[0]
            default: throw Refusal(description: "the account has several pools; choose one with --pool-id: \(describe(state.pools))")
            }
        }
        if let gate = pool.actions?.canCreateRoute, !gate.allowed {
            throw Refusal(description: "pool \(pool.id) takes no new routes: \(sentence(gate.reason))")
        }
        if let prefix {
            let parsed: IPv6Prefix
            do {
                parsed = try IPv6Prefix(prefix)
            } catch let error as IPv6AddressingError {
                throw Refusal(description: "--prefix \(prefix): \(error.message)")
            }
            guard parsed.length == prefixLength else {
                throw Refusal(description: "--prefix \(prefix) is a /\(parsed.length), not a /\(prefixLength)")
            }
            if let parent = try? IPv6Prefix(pool.parentCidr), !parent.contains(parsed) {
                throw Refusal(description: "--prefix \(prefix) is not inside pool \(pool.id) (\(pool.parentCidr))")
            }
        }
        guard let destination = (state.destinations ?? []).first(where: { $0.vpsId == vpsID }) else {
            let known = (state.destinations ?? []).map(\.vpsId).joined(separator: ", ")
            throw Refusal(description: "VPS \(vpsID) is not a destination of this account (destinations: \(known.isEmpty ? "none" : known))")
        }
        if let gate = destination.actions?.canReceiveRoute, !gate.allowed {
            throw Refusal(description: "VPS \(vpsID) cannot receive a route: \(sentence(gate.reason))")
        }
        return CreateRouteRequest(poolId: pool.id, vpsId: vpsID, prefixLength: prefixLength, prefix: prefix, label: label)
    }

    private static func describe(_ pools: [Pool]) -> String {
        pools.map { "\($0.id) (\($0.parentCidr))" }.joined(separator: ", ")
    }
}

/// A reason from the API (an `actions` gate's, or `reason`) without its closing full stop, to be followed by more
/// text: "pool p1 takes no new routes: <reason>; nothing was sent".
package func sentence(_ reason: String?) -> String {
    var text = reason ?? "no reason given"
    while text.hasSuffix(".") { text.removeLast() }
    return text
}
