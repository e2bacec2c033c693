#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import FoundationEssentials
import Logging
import NIOCore
import NIOHTTP1

/// A client for the HostUp routed-IPv6 API (`/api/v2/routed-ipv6`).
///
/// Every request carries `Authorization: Bearer <token>` (omitted when the token is empty), `Accept: application/json` and
/// `User-Agent: hostup-routed/<version>`; request bodies are JSON with `Content-Type: application/json`.
/// Each request must complete within ``Configuration/requestTimeout``, and its response body may not exceed
/// ``Configuration/maximumResponseBytes``.
///
/// Errors are always ``HostUpAPIError`` (or `CancellationError` when the calling task is cancelled), and
/// never contain the token; the token is never logged either. The client is a value: copies share the
/// underlying `HTTPClient`, which the caller owns (``HostUpClient/withClient(configuration:logger:_:)``
/// creates and shuts one down for you).
public struct HostUpClient: Sendable {
    /// The outcome of a conditional fetch of the state document.
    public enum FetchResult: Hashable, Sendable {
        /// `200`: the document, with the `ETag` to send as `If-None-Match` next time (if the server sent one), and
        /// the body as received, to pass as `previousBody` next time.
        case modified(RoutedIPv6State, etag: String?, body: [UInt8])
        /// `304 Not Modified`: the document is unchanged since the `ETag` that was sent.
        case notModified
        /// `200` with a body byte for byte the `previousBody` that was passed: not decoded again. The API documents
        /// no `ETag`, so this is how an unchanged answer is recognised cheaply.
        case unchanged
    }

    /// The configuration this client was created with.
    public let configuration: Configuration
    private let httpClient: HTTPClient
    private let logger: Logger

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - configuration: Base URL, token, timeouts (validated when the configuration was created).
    ///   - httpClient: The HTTP client to use. Defaults to `HTTPClient.shared`, which keeps its own connect
    ///     timeout; build one from ``Configuration/httpClientConfiguration`` to apply ``Configuration/connectTimeout``.
    ///   - logger: Receives one debug line per request (method, path, status); never the token.
    public init(configuration: Configuration, httpClient: HTTPClient = .shared, logger: Logger) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Runs `body` with a client backed by a new `HTTPClient` built from
    /// ``Configuration/httpClientConfiguration``, and shuts that HTTP client down afterwards.
    ///
    /// - Parameters:
    ///   - configuration: The client configuration.
    ///   - logger: The logger for the client.
    ///   - body: The work to do with the client.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    public static func withClient<Result>(
        configuration: Configuration,
        logger: Logger,
        _ body: (HostUpClient) async throws -> Result
    ) async throws -> Result {
        try await HTTPClient.withHTTPClient(configuration: configuration.httpClientConfiguration) { httpClient in
            try await body(HostUpClient(configuration: configuration, httpClient: httpClient, logger: logger))
        }
    }

    /// Fetches the account's routed IPv6 state: `GET /api/v2/routed-ipv6`.
    ///
    /// Needs a token with the scopes `read:network` and `read:vm`.
    ///
    /// - Parameters:
    ///   - etag: The `ETag` of the last document received; sent as `If-None-Match`.
    ///   - previousBody: The body of the last document received (``FetchResult/modified(_:etag:body:)``).
    /// - Returns: ``FetchResult/modified(_:etag:body:)`` with the document, ``FetchResult/notModified`` on `304`,
    ///   or ``FetchResult/unchanged`` when the body is `previousBody` again.
    /// - Throws: ``HostUpAPIError``: ``HostUpAPIError/Code/transport``, ``HostUpAPIError/Code/decoding`` (the
    ///   document did not decode, e.g. `pools` is not an array), or a status code (`unauthorized`,
    ///   `forbidden`, `rateLimited`, `httpStatus`, …).
    public func routedIPv6State(
        ifNoneMatch etag: String? = nil, previousBody: [UInt8]? = nil
    ) async throws -> FetchResult {
        var headers = HTTPHeaders()
        if let etag { headers.add(name: "If-None-Match", value: etag) }
        let response = try await send(.GET, path: Endpoint.routedIPv6, headers: headers)
        if response.status == .notModified, etag != nil { return .notModified }
        let same = previousBody.map { previous in
            response.body.withUnsafeReadableBytes { body in
                previous.withUnsafeBytes { body.count == $0.count && (body.count == 0 || memcmp(body.baseAddress!, $0.baseAddress!, body.count) == 0) }
            }
        }
        if same == true { return .unchanged }
        let state = try response.decode(RoutedIPv6State.self)
        return .modified(state, etag: response.headers.first(name: "ETag"), body: Array(response.body.readableBytesView))
    }

    /// Fetches the state document and also returns its body exactly as received (for `routes list --json`).
    ///
    /// - Returns: The decoded document and the raw JSON bytes.
    /// - Throws: ``HostUpAPIError`` as ``routedIPv6State(ifNoneMatch:)``.
    public func routedIPv6Document() async throws -> (state: RoutedIPv6State, body: [UInt8]) {
        let response = try await send(.GET, path: Endpoint.routedIPv6)
        return (try response.decode(RoutedIPv6State.self), Array(response.body.readableBytesView))
    }

    /// The answer of ``routedIPv6Probe()``: the state document and the server's clock.
    public struct Probe: Sendable {
        /// The decoded state document.
        public var state: RoutedIPv6State
        /// The answer's `Date` header (RFC 9110 §6.6.1) as seconds since the Unix epoch; `nil` when absent or not
        /// an HTTP-date.
        public var serverDate: Int64?
    }

    /// Fetches the state document once, unconditionally, and reads the server's `Date` header with it (for
    /// `hostup-routed doctor`: the token's scopes and the clock skew in one request).
    ///
    /// - Returns: The document and the server's date.
    /// - Throws: ``HostUpAPIError`` as ``routedIPv6State(ifNoneMatch:previousBody:)``.
    public func routedIPv6Probe() async throws -> Probe {
        let response = try await send(.GET, path: Endpoint.routedIPv6)
        let date = response.headers.first(name: "Date").flatMap { HTTPDate.secondsSinceEpoch($0) }
        return Probe(state: try response.decode(RoutedIPv6State.self), serverDate: date)
    }

    /// Adds the account-level /48: `POST /api/v2/routed-ipv6` with `{"action":"allocate_pool"}`.
    ///
    /// Needs the scope `write:network`.
    ///
    /// - Returns: The updated state document (`201`).
    /// - Throws: ``HostUpAPIError``; ``HostUpAPIError/Code/conflict`` when the account already has a /48.
    public func allocatePool() async throws -> RoutedIPv6State {
        let response = try await send(.POST, path: Endpoint.routedIPv6, body: RoutedIPv6Request.allocatePool)
        return try response.decode(RoutedIPv6State.self)
    }

    /// Routes a /48, /56 or /64 of a pool to a VPS: `POST /api/v2/routed-ipv6` with `"action": "create_route"`.
    ///
    /// Needs the scope `write:network`. Without `prefix` the server picks the first free child prefix.
    ///
    /// - Parameter request: The pool, VPS, prefix length, and optional prefix and label.
    /// - Returns: The updated state document (`201`).
    /// - Throws: ``HostUpAPIError``; `httpStatus` 400 with ``HostUpAPIError/problem`` `errors[]` for invalid
    ///   fields, ``HostUpAPIError/Code/conflict`` for an overlap or no capacity.
    public func createRoute(_ request: CreateRouteRequest) async throws -> RoutedIPv6State {
        let response = try await send(.POST, path: Endpoint.routedIPv6, body: request)
        return try response.decode(RoutedIPv6State.self)
    }

    /// Deletes a route: `DELETE /api/v2/routed-ipv6/routes/{id}`.
    ///
    /// Needs the scope `write:network`.
    ///
    /// - Parameter id: The route id (percent-encoded into the path).
    /// - Returns: The updated state document, or `nil` when the server answered without a body (`204`).
    /// - Throws: ``HostUpAPIError``; ``HostUpAPIError/Code/notFound`` for an unknown route.
    public func deleteRoute(id: String) async throws -> RoutedIPv6State? {
        let response = try await send(.DELETE, path: Endpoint.route(id: id))
        if response.body.readableBytes == 0 { return nil }
        return try response.decode(RoutedIPv6State.self)
    }

    /// Releases a pool that has no routes left: `DELETE /api/v2/routed-ipv6/{id}`.
    ///
    /// Needs the scope `write:network`.
    ///
    /// - Parameter id: The pool id (percent-encoded into the path).
    /// - Returns: `{released, cooldownUntil}`.
    /// - Throws: ``HostUpAPIError``; ``HostUpAPIError/Code/conflict`` while the pool still has routes,
    ///   ``HostUpAPIError/Code/notFound`` for an unknown pool.
    public func releasePool(id: String) async throws -> ReleasedPool {
        let response = try await send(.DELETE, path: Endpoint.pool(id: id))
        return try response.decode(ReleasedPool.self)
    }
}

// MARK: - Transport

extension HostUpClient {
    /// A complete response: status, headers and the collected body.
    struct Response {
        var method: HTTPMethod
        var path: String
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: ByteBuffer

        /// Decodes the body as `T`.
        ///
        /// - Throws: ``HostUpAPIError`` ``HostUpAPIError/Code/decoding``, naming the coding path.
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            do {
                return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
            } catch let error as DecodingError {
                throw HostUpAPIError(
                    code: .decoding,
                    message: "\(method) \(path): \(status.code) answer is not a valid \(T.self) document: "
                        + DecodingErrorDescription.describe(error),
                    status: Int(status.code),
                    cause: error
                )
            } catch {
                throw HostUpAPIError(
                    code: .decoding,
                    message: "\(method) \(path): \(status.code) answer is not valid JSON",
                    status: Int(status.code),
                    cause: error
                )
            }
        }
    }

    private func send(_ method: HTTPMethod, path: String, headers extra: HTTPHeaders = [:]) async throws -> Response {
        try await send(method, path: path, headers: extra, body: nil)
    }

    private func send(_ method: HTTPMethod, path: String, body: some Encodable) async throws -> Response {
        let data: Data
        do {
            data = try JSONEncoder().encode(body)
        } catch {
            throw HostUpAPIError(code: .decoding, message: "\(method) \(path): cannot encode the request body", cause: error)
        }
        return try await send(method, path: path, headers: [:], body: ByteBuffer(bytes: data))
    }

    private func send(
        _ method: HTTPMethod,
        path: String,
        headers extra: HTTPHeaders,
        body: ByteBuffer?
    ) async throws -> Response {
        var request = HTTPClientRequest(url: configuration.url(path: path))
        request.method = method
        if !configuration.token.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
        }
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(contentsOf: extra)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }

        let start = ContinuousClock.now
        let timeout = configuration.requestTimeout
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let collected: ByteBuffer
        do {
            // NOTE: AsyncHTTPClient's deadline ends at the response head; the body that follows is bounded only by
            // the read timeout, which restarts with every byte. So the whole exchange, body included, runs under a
            // deadline of its own: a server that trickles one byte every few seconds cannot hold a request (and
            // the daemon's poll, or `sync`) for longer than `requestTimeout`.
            let maximum = configuration.maximumResponseBytes
            let httpClient = self.httpClient
            let logger = self.logger
            let request = request
            (status, headers, collected) = try await Self.withDeadline(timeout) {
                let response = try await httpClient.execute(request, deadline: deadline, logger: logger)
                let body = try await response.body.collect(upTo: maximum)
                return (response.status, response.headers, body)
            }
        } catch let error as NIOTooManyBytesError {
            throw HostUpAPIError(
                code: .decoding,
                message: "\(method) \(path): response body exceeds \(configuration.maximumResponseBytes) bytes",
                cause: error
            )
        } catch is RequestDeadlineExceeded {
            let (seconds, attoseconds) = timeout.components
            let limit = attoseconds == 0 ? "\(seconds) s" : "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms"
            throw HostUpAPIError(
                code: .transport, message: "\(method) \(path): timed out: no complete answer within \(limit)")
        } catch {
            if Task.isCancelled { throw CancellationError() }
            let failure = TransportFailure(error)
            logger.debug(
                "hostup api request failed",
                metadata: [
                    LogKey.method: "\(method)", LogKey.path: "\(path)", LogKey.error: "\(failure.summary)",
                ]
            )
            throw HostUpAPIError(code: .transport, message: "\(method) \(path): \(failure.summary)", cause: error)
        }
        let elapsed = ContinuousClock.now - start
        logger.debug(
            "hostup api request",
            metadata: [
                LogKey.method: "\(method)", LogKey.path: "\(path)", LogKey.status: "\(status.code)",
                LogKey.elapsed: "\(elapsed)",
            ]
        )

        let response = Response(method: method, path: path, status: status, headers: headers, body: collected)
        switch status.code {
        case 200..<300, 304:
            return response
        default:
            throw HostUpAPIError(response: response)
        }
    }
}

extension HostUpClient {
    /// Runs `body`, cancelling it once `timeout` has passed.
    ///
    /// - Throws: ``RequestDeadlineExceeded`` when `timeout` passed first; whatever `body` throws otherwise.
    static func withDeadline<Value: Sendable>(
        _ timeout: Duration, _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw RequestDeadlineExceeded() }
            return value
        }
    }
}

/// A request that did not complete within its whole-request deadline.
struct RequestDeadlineExceeded: Error {}

/// Log metadata keys of this module, in one place.
enum LogKey {
    static let method = "http.method"
    static let path = "http.path"
    static let status = "http.status"
    static let elapsed = "http.elapsed"
    static let error = "hostup.error"
}

/// Endpoint paths, with ids percent-encoded as single path segments (RFC 3986 §3.3).
enum Endpoint {
    static let routedIPv6 = "/api/v2/routed-ipv6"

    static func route(id: String) -> String { "/api/v2/routed-ipv6/routes/\(percentEncoded(id))" }

    static func pool(id: String) -> String { "/api/v2/routed-ipv6/\(percentEncoded(id))" }

    /// Percent-encodes every byte of the UTF-8 form except RFC 3986 unreserved characters (ALPHA DIGIT - . _ ~).
    static func percentEncoded(_ segment: String) -> String {
        let hex: [Character] = Array("0123456789ABCDEF")
        var result = ""
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.append(Character(Unicode.Scalar(byte)))
            default:
                result.append("%")
                result.append(hex[Int(byte >> 4)])
                result.append(hex[Int(byte & 0x0F)])
            }
        }
        // "." and ".." are dot-segments that URL normalisation would remove (RFC 3986 §5.2.4).
        if result == "." { return "%2E" }
        if result == ".." { return "%2E%2E" }
        return result
    }
}
