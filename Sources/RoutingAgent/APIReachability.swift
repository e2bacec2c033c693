#if canImport(Glibc)
import Glibc
#endif

/// The first two steps of reaching the API, each on its own so that `doctor` can say which one fails: resolving
/// the host (getaddrinfo(3)) and opening a TCP connection to it (connect(2), non-blocking, bounded by a timeout).
public enum APIReachability {
    /// A resolved address of the API host.
    public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        /// `AF_INET` or `AF_INET6`.
        public var family: Int32
        /// The address in text form.
        public var address: String
        /// The port.
        public var port: UInt16
        fileprivate var storage: [UInt8]

        public var description: String { family == AF_INET6 ? "[\(address)]:\(port)" : "\(address):\(port)" }
    }

    /// The host and port of an `api_url` (`https` defaults to 443, `http` to 80); `nil` when it is not a URL.
    public static func hostAndPort(of url: String) -> (host: String, port: UInt16)? {
        guard let host = APIEndpoint.host(of: url), !host.isEmpty else { return nil }
        let https = url.hasPrefix("https://")
        let rest = url.dropFirst(https ? 8 : 7)
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        let afterHost = authority.hasPrefix("[") ? authority.drop(while: { $0 != "]" }).dropFirst() : authority.drop(while: { $0 != ":" })
        if afterHost.hasPrefix(":"), let port = UInt16(afterHost.dropFirst()) { return (host, port) }
        return (host, https ? 443 : 80)
    }

    /// Resolves `host` (getaddrinfo(3), any family, TCP).
    ///
    /// - Returns: The addresses, or the resolver's error text (gai_strerror(3)).
    public static func resolve(host: String, port: UInt16) -> Result<[Endpoint], Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            return .failure(Failure(description: String(cString: gai_strerror(status))))
        }
        defer { freeaddrinfo(first) }
        var endpoints: [Endpoint] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            defer { entry = current.pointee.ai_next }
            guard let address = current.pointee.ai_addr else { continue }
            let length = Int(current.pointee.ai_addrlen)
            let storage = Array(UnsafeRawBufferPointer(start: address, count: length))
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, current.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0
            else { continue }
            let endpoint = Endpoint(
                family: current.pointee.ai_family, address: String(cString: text), port: port, storage: storage)
            if !endpoints.contains(endpoint) { endpoints.append(endpoint) }
        }
        return .success(endpoints)
    }

    /// Opens a TCP connection to `endpoint` and closes it again.
    ///
    /// - Parameter timeoutMilliseconds: How long to wait for the handshake.
    /// - Returns: `.success` once connected, or the error (strerror(3), or "timed out").
    public static func connect(to endpoint: Endpoint, timeoutMilliseconds: Int32) -> Result<Void, Failure> {
        let fd = socket(endpoint.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(Failure(description: String(cString: strerror(errno)))) }
        defer { close(fd) }
        let started = endpoint.storage.withUnsafeBytes { raw in
            Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if started == 0 { return .success(()) }
        guard errno == EINPROGRESS else { return .failure(Failure(description: String(cString: strerror(errno)))) }
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&poller, 1, timeoutMilliseconds)
        guard ready > 0 else {
            return .failure(Failure(description: ready == 0 ? "timed out after \(timeoutMilliseconds) ms" : String(cString: strerror(errno))))
        }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error == 0 ? .success(()) : .failure(Failure(description: String(cString: strerror(error))))
    }

    /// Why a step failed.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }
}
