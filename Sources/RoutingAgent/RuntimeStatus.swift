import FoundationEssentials
import HostUpAPI
import Netlink

/// What the daemon (or a one-shot command) did lately, as values: kept in `status.json` in the runtime directory
/// (`/run/hostup-routed`, systemd's `RuntimeDirectory=`), gone at reboot. `status`, `sync` and `routes create`
/// read it; nothing decides by the text of an error message.
///
/// What must survive a reboot (routes, ownership, saved sysctls, uplink) is in ``PersistedState`` instead.
public struct RuntimeStatus: Codable, Sendable, Equatable {
    /// How many steps (fetch and reconcile) have ended, successful or not; `sync` and `routes create` wait for it
    /// to grow after they signal the daemon.
    public var steps: Int = 0
    /// When the last fetch was attempted.
    public var lastAttempt: Date?
    /// When the last valid answer was applied.
    public var lastSync: Date?
    /// When the last step ended, successful (then equal to ``lastSync``) or not.
    public var lastStepEnd: Date?
    /// The last step's failure, or `nil` after a clean sync.
    public var lastError: Failure?
    /// Refusals of the last valid answer, each with its route id (`routes create` looks its route up by id).
    public var refusals: [RouteRefusal] = []
    /// Objects of the last reconcile that wait for something (a missing interface), as lines.
    public var deferrals: [String] = []
    /// How the remembered routes fared in the last reconcile to them, or `nil` before the first.
    public var routeTally: StatusReport.Summary?
    /// The operations the kernel refused in the last real reconcile of the remembered routes, each with its errno;
    /// empty after one that the kernel took whole, `nil` in a status written by an older version. `status` (a dry
    /// run in another process) marks an object `kernel-error` when it still wants an operation listed here.
    public var kernelFailures: [KernelFailure]?
    /// What the daemon has done to the kernel since it started.
    public var counters = Counters()

    /// An operation the kernel refused: what was asked and what it answered.
    public struct KernelFailure: Codable, Sendable, Equatable {
        /// The operation as `ip`/`sysctl` text, e.g. `ip -6 route add 2001:db8:1000:10::/64 dev v0`
        /// (``Reconciliation/PlanOperation``'s description).
        public var operation: String
        /// The errno the kernel answered with (e.g. 100 for `ENETDOWN`); `nil` when the failure had none.
        public var errno: Int32?
        /// The kernel's answer, readable (`Network is down (Nexthop device is not up)`).
        public var message: String

        public init(operation: String, errno: Int32?, message: String) {
            self.operation = operation
            self.errno = errno
            self.message = message
        }
    }

    /// A failure, with a stable code.
    public struct Failure: Codable, Sendable, Equatable, CustomStringConvertible {
        /// One of ``Code``'s raw values.
        public var code: String
        /// A readable explanation.
        public var message: String

        public init(_ code: Code, _ message: String) {
            self.code = code.rawValue
            self.message = message
        }

        /// What failed.
        public enum Code: String, Sendable, CaseIterable {
            /// No HTTP answer: DNS, connect, TLS, timeout.
            case apiTransport = "api-transport"
            /// The API answered with an error status (401, 403, 429, 5xx, ...).
            case apiStatus = "api-status"
            /// The API's answer did not decode.
            case apiDecoding = "api-decoding"
            /// This VPS could not be identified in the API's `destinations[]`.
            case identity
            /// The kernel refused some operation, or could not be observed.
            case kernel
            /// No API token was found.
            case noToken = "no-token"
            /// Anything else (the state file could not be written, ...).
            case other
        }

        /// The code as a value; ``Code/other`` for a code this version does not know.
        public var kind: Code { Code(rawValue: code) ?? .other }

        /// The failure for an error thrown by a step.
        public init(_ error: any Error) {
            switch error {
            case let error as HostUpAPIError:
                // In words (`status`, STATUS=): the kind is the code, the message names no client-internal code.
                switch error.code {
                case .transport: self.init(.apiTransport, error.sentence)
                case .decoding: self.init(.apiDecoding, error.sentence)
                default: self.init(.apiStatus, error.sentence)
                }
            case is IdentityResolver.Failure:
                self.init(.identity, "\(error)")
            case is NetlinkError:
                self.init(.kernel, "kernel: \(error)")
            default:
                self.init(.other, "\(error)")
            }
        }

        public var description: String { message }
    }

    /// Counts since the daemon started.
    public struct Counters: Codable, Sendable, Equatable {
        /// Full dumps of links, addresses and routes.
        public var kernelDumps = 0
        /// Reconcile passes run because the kernel changed under the agent.
        public var repairs = 0
        /// Repair passes delayed by the rate limit (``RepairLimiter``).
        public var repairsHeldBack = 0
        /// Fresh dumps that replaced the mirror, by reason (``KernelResyncReason`` raw values).
        public var resyncs: [String: Int] = [:]
        /// Steps (and repairs) that ended in a failure, by ``Failure/Code`` raw value.
        public var failures: [String: Int] = [:]
        /// Kernel operations (rtnetlink requests, sysctl writes) that failed.
        public var kernelErrors = 0

        public init() {}

        public init(from decoder: any Decoder) throws {
            // A status written by an older version lacks the newer counters: they start at zero.
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kernelDumps = try container.decodeIfPresent(Int.self, forKey: .kernelDumps) ?? 0
            repairs = try container.decodeIfPresent(Int.self, forKey: .repairs) ?? 0
            repairsHeldBack = try container.decodeIfPresent(Int.self, forKey: .repairsHeldBack) ?? 0
            resyncs = try container.decodeIfPresent([String: Int].self, forKey: .resyncs) ?? [:]
            failures = try container.decodeIfPresent([String: Int].self, forKey: .failures) ?? [:]
            kernelErrors = try container.decodeIfPresent(Int.self, forKey: .kernelErrors) ?? 0
        }
    }

    public init() {}
}

/// Reads and writes `status.json` in the runtime directory. Written often (after every step and repair), so not
/// fsync'd: it lives on a tmpfs and means nothing after a reboot.
public struct RuntimeStatusStore: Sendable {
    /// The runtime directory, e.g. `/run/hostup-routed`.
    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The last status written; `nil` when there is none (no daemon or command has run since boot) or it does not
    /// decode.
    public func load() -> RuntimeStatus? {
        (try? read()) ?? nil
    }

    /// The last status written; `nil` when there is none (neither the directory nor the file exists: no daemon or
    /// command has run since boot).
    ///
    /// - Throws: ``Unreadable`` when the file exists but cannot be read or does not decode.
    public func read() throws -> RuntimeStatus? {
        let path = "\(directory)/\(Self.fileName)"
        let bytes: [UInt8]
        do {
            bytes = try CheckedDirectory(directory, create: false).read(Self.fileName)
        } catch where error.isNotFound {
            return nil
        } catch {
            throw Unreadable(path: path, reason: "\(error)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            // Written with milliseconds since the metrics' timestamps read them; without, by older versions.
            if let date = (try? Self.millisecondDates.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text)) {
                return date
            }
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not an ISO 8601 date: \(text)")
        }
        do {
            return try decoder.decode(RuntimeStatus.self, from: Data(bytes))
        } catch {
            throw Unreadable(path: path, reason: "not a runtime status (\(error.readableDecodingFailure))")
        }
    }

    /// The runtime status file exists but cannot be used.
    public struct Unreadable: Error, Sendable, CustomStringConvertible {
        /// The file.
        public var path: String
        /// Why.
        public var reason: String

        public var description: String { "\(path): \(reason)" }
    }

    /// Replaces the status atomically (mode 0644: `status` run by any user may read it), creating the directory.
    ///
    /// - Throws: `FileIO.Error` when it cannot be written.
    public func save(_ status: RuntimeStatus) throws {
        let encoder = JSONEncoder()
        // With milliseconds: `hostup_routed_last_sync_timestamp_seconds` keeps its fraction after the status is
        // read back (plain `.iso8601` drops it).
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Self.millisecondDates))
        }
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(status)
        try CheckedDirectory(directory, create: true).writeAtomically(
            Array(data), to: Self.fileName, mode: 0o644, durable: false)
    }

    static let fileName = "status.json"

    /// ISO 8601 in UTC with milliseconds: `2026-11-30T19:40:53.577Z`.
    static let millisecondDates = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
