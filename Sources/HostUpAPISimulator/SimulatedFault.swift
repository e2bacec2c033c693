/// A failure the simulator injects into `/api/*` requests: the body of `POST /_sim/fault`.
///
/// `{"kind": "latency", "milliseconds": 2000, "count": 3}`. Faults stay active for `count` requests, or until
/// `DELETE /_sim/fault` when `count` is absent. Several faults may be active: every latency fault delays the
/// request, then the first other fault decides the answer. `/_sim/*` requests are never faulted.
public struct SimulatedFault: Codable, Hashable, Sendable {
    /// What goes wrong.
    public enum Kind: String, Codable, Hashable, Sendable {
        /// Answer normally after `milliseconds`.
        case latency
        /// Answer 500 with an `internal_error` problem document.
        case status500
        /// Answer 200 with the state document cut in half (not valid JSON).
        case malformedJSON
        /// Close the TCP connection without answering (curl: "Empty reply from server").
        case dropConnection
        /// Answer 429 with `Retry-After: retryAfterSeconds`.
        case rateLimit
        /// Never answer, until the faults are cleared (then answer normally) or the server stops.
        case hang
        /// Answer `200` with `Content-Length: 100000`, then send the body one byte every `milliseconds`
        /// (default 5000), so a client whose read timeout restarts with every byte never finishes.
        case slowBody
    }

    /// What goes wrong.
    public var kind: Kind
    /// How many requests are still affected; `nil` means until cleared.
    public var count: Int?
    /// The delay of a ``Kind/latency`` fault, or the time between two body bytes of a ``Kind/slowBody`` fault, in
    /// milliseconds. Defaults to 1000 (latency) and 5000 (slow body).
    public var milliseconds: Int?
    /// The `Retry-After` of a ``Kind/rateLimit`` fault, in seconds. Defaults to 30.
    public var retryAfterSeconds: Int?

    /// Creates a fault.
    ///
    /// - Parameters:
    ///   - kind: What goes wrong.
    ///   - count: How many requests it affects; `nil` (the default) means until cleared.
    ///   - milliseconds: The latency; defaults to 1000 ms when the kind is ``Kind/latency``.
    ///   - retryAfterSeconds: The `Retry-After`; defaults to 30 s when the kind is ``Kind/rateLimit``.
    public init(kind: Kind, count: Int? = nil, milliseconds: Int? = nil, retryAfterSeconds: Int? = nil) {
        self.kind = kind
        self.count = count
        self.milliseconds = milliseconds
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The latency to add, for a ``Kind/latency`` fault.
    var delay: Duration {
        .milliseconds(milliseconds ?? 1000)
    }

    /// The time between two body bytes, for a ``Kind/slowBody`` fault.
    var byteInterval: Duration {
        .milliseconds(milliseconds ?? 5000)
    }

    /// The `Retry-After` to announce, for a ``Kind/rateLimit`` fault.
    var retryAfter: Int {
        retryAfterSeconds ?? 30
    }
}
