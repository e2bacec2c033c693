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
    /// What the daemon has done to the kernel since it started.
    public var counters = Counters()

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
                switch error.code {
                case .transport: self.init(.apiTransport, "\(error)")
                case .decoding: self.init(.apiDecoding, "\(error)")
                default: self.init(.apiStatus, "\(error)")
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
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(RuntimeStatus.self, from: Data(bytes))
        } catch {
            throw Unreadable(path: path, reason: "not a runtime status (\(error))")
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
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(status)
        try CheckedDirectory(directory, create: true).writeAtomically(
            Array(data), to: Self.fileName, mode: 0o644, durable: false)
    }

    static let fileName = "status.json"
}
