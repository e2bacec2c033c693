#if canImport(Glibc)
import Glibc
#endif
import IPv6Addressing
import Synchronization

/// Checks of the `api_url` setting: HTTPS, or plain HTTP to a loopback host only.
enum APIEndpoint {
    /// Accepts `https://HOST[:PORT][/PATH]`, or `http://` when HOST is loopback (`localhost`, 127.0.0.0/8, `[::1]`).
    ///
    /// - Returns: `.success` or `.failure` with the reason, fit for a config error.
    static func check(_ url: String) -> Result<Void, Reason> {
        let scheme: String
        let rest: Substring
        if url.hasPrefix("https://") {
            scheme = "https"
            rest = url.dropFirst("https://".count)
        } else if url.hasPrefix("http://") {
            scheme = "http"
            rest = url.dropFirst("http://".count)
        } else {
            return .failure(Reason("\"\(url)\" is not an http(s) URL"))
        }
        let host: Substring
        switch self.host(inAuthorityOf: rest) {
        case .success(let found): host = found
        case .failure(let reason): return .failure(Reason("\"\(url)\" \(reason.description)"))
        }
        if scheme == "http" && !isLoopback(host) {
            return .failure(Reason("\"\(url)\" uses http:// for a host that is not loopback; use https://"))
        }
        return .success(())
    }

    /// The host of `rest`, a URL after its `scheme://`: a name, an IPv4 address, or an IPv6 address without its
    /// brackets.
    private static func host(inAuthorityOf rest: Substring) -> Result<Substring, Reason> {
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        guard !authority.isEmpty, !authority.contains("@") else {
            return .failure(Reason("has no host (or carries credentials; put the token in token_file)"))
        }
        guard authority.hasPrefix("[") else { return .success(authority.prefix(while: { $0 != ":" })) }
        guard let close = authority.firstIndex(of: "]") else { return .failure(Reason("has an unclosed [")) }
        return .success(authority[authority.index(after: authority.startIndex)..<close])
    }

    /// The host of a checked `api_url`, or `nil`.
    static func host(of url: String) -> String? {
        for scheme in ["https://", "http://"] where url.hasPrefix(scheme) {
            return try? host(inAuthorityOf: url.dropFirst(scheme.count)).get().description
        }
        return nil
    }

    /// The IPv6 addresses of the API host, waiting at most `patience` for a lookup: a lookup that takes longer
    /// (a DNS server that does not answer) goes on in the background and the addresses of the last lookup that
    /// finished are used meanwhile. Lookups are kept for ``resolutionLifetime``.
    ///
    /// `getaddrinfo(3)` cannot be cancelled, and the resolver's own timeouts can add up to minutes: this bound
    /// keeps a fetch (and the daemon's step) from waiting on it.
    static func ipv6Addresses(of url: String, patience: Duration) async -> [IPv6Address] {
        guard let host = host(of: url), !host.isEmpty else { return [] }
        if let literal = try? IPv6Address(host) { return [literal] }
        // An IPv4 literal has no IPv6 address to protect, and needs no lookup.
        var ipv4 = in_addr()
        if inet_pton(AF_INET, host, &ipv4) == 1 { return [] }
        let (cached, start) = resolutions.withLock { table -> ([IPv6Address]?, Bool) in
            let entry = table[host]
            let fresh = entry.map { ContinuousClock.now - $0.resolvedAt < resolutionLifetime } ?? false
            if fresh { return (entry?.addresses, false) }
            guard entry?.inFlight != true else { return (entry?.addresses, false) }
            table[host, default: Resolution()].inFlight = true
            return (entry?.addresses, true)
        }
        if !start, let cached { return cached }
        if start {
            BlockingThread.detach {
                let addresses = ipv6Addresses(of: url)
                let waiters = resolutions.withLock { table in
                    defer { table[host] = Resolution(addresses: addresses, resolvedAt: .now, inFlight: false) }
                    return table[host]?.waiters.values.map { $0 } ?? []
                }
                for waiter in waiters { waiter.resume() }
            }
        }
        // Wait for the lookup to finish (woken by it, no polling), or for `patience`, whichever comes first.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await waitForLookup(of: host) }
            group.addTask { try? await Task.sleep(for: patience) }
            await group.next()
            group.cancelAll()
        }
        return resolutions.withLock { table in
            guard let entry = table[host], !entry.inFlight else { return cached ?? [] }
            return entry.addresses
        }
    }

    /// Returns when the lookup of `host` in flight has finished, or when the task is cancelled.
    private static func waitForLookup(of host: String) async {
        let id = UInt64.random(in: 0...UInt64.max)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = resolutions.withLock { table -> Bool in
                    guard table[host]?.inFlight == true, !Task.isCancelled else { return true }
                    table[host]!.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            resolutions.withLock { $0[host]?.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// How long a lookup of the API host is used before it is made again. 10 minutes.
    static let resolutionLifetime: Duration = .seconds(600)

    private struct Resolution {
        var addresses: [IPv6Address] = []
        var resolvedAt: ContinuousClock.Instant = .now - .seconds(86_400)
        var inFlight = false
        /// Who waits for the lookup in flight.
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private static let resolutions = Mutex<[String: Resolution]>([:])

    /// The IPv6 addresses of the API host: the literal itself, or what `getaddrinfo(3)` resolves the name to
    /// (`AF_INET6`); none when it does not resolve. No routed prefix may contain them (it would cut the agent off
    /// from its API). Blocks for as long as the lookup takes.
    static func ipv6Addresses(of url: String) -> [IPv6Address] {
        guard let host = host(of: url), !host.isEmpty else { return [] }
        if let literal = try? IPv6Address(host) { return [literal] }
        var hints = addrinfo()
        hints.ai_family = AF_INET6
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [IPv6Address] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if current.pointee.ai_family == AF_INET6, let socketAddress = current.pointee.ai_addr {
                let bytes = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
                if let address = IPv6Address(bytes: bytes), !addresses.contains(address) { addresses.append(address) }
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }

    static func isLoopback(_ host: Substring) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    struct Reason: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// A detached POSIX thread, for blocking calls that must not hold a thread of Swift's cooperative pool.
enum BlockingThread {
    /// Runs `body` on a new detached pthread.
    static func detach(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { context in
            let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if started == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
        }
    }
}
