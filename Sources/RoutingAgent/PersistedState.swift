import FoundationEssentials
import IPv6Addressing
import Reconciliation

/// What the agent remembers across restarts, kept in `state.json` (DESIGN.md "Names": `/var/lib/hostup-routed`),
/// written only when it changes. What the agent did lately (last sync, last error) is in ``RuntimeStatus``.
///
/// Files of 0.1.0 also hold `lastSync`, `lastAttempt`, `lastStepEnd`, `steps`, `lastError` and `refusals`; they
/// are ignored.
///
/// - Important: `routes` is the last *valid* answer's routes for this VPS (plus those awaiting a confirming answer
///   before removal). It is what is applied when the API is unreachable after a reboot ("fail static").
public struct PersistedState: Codable, Sendable, Equatable {
    /// The file format's version. Readers refuse versions they do not know.
    public var version: Int = 1
    /// This VPS's id, as configured or detected.
    public var vpsID: String?
    /// The routes to apply, from the last valid answer.
    public var routes: [AppliedRoute] = []
    /// Addresses the agent added, for kernels without `IFA_PROTO` (Linux < 5.18).
    public var ownership: OwnershipRecord = OwnershipRecord()
    /// Sysctl values as they were before the agent changed them, to restore when no binding needs them; written
    /// (and fsync'd) before the first change of each.
    public var savedSysctls: [SavedSysctl] = []
    /// The uplink, once known: the interface whose `accept_ra` must stay 2 while forwarding. Remembered so that a
    /// vanished default route (a router restart) does not make it unknown.
    public var uplink: String?
    /// Set when the state file could not be read and was set aside: what is routed here is unknown, so nothing is
    /// removed (no object, no sysctl restore) until two valid answers, at least 2 s apart, confirm it.
    public var recovery: Recovery?

    /// An unknown state being confirmed.
    public struct Recovery: Codable, Sendable, Equatable {
        /// When the unreadable file was set aside.
        public var since: Date
        /// When the first valid answer after that came.
        public var firstAnswer: Date?

        public init(since: Date, firstAnswer: Date? = nil) {
            self.since = since
            self.firstAnswer = firstAnswer
        }
    }

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case version, vpsID, routes, ownership, savedSysctls, uplink, recovery
    }

    /// What can still be read of a state file that does not decode (a damaged file, or a future version): each
    /// field on its own, and in lists each entry on its own; whatever does not read is left empty.
    ///
    /// - Parameter bytes: The file's content.
    /// - Returns: The salvaged state (`version` 1).
    public static func salvage(_ bytes: [UInt8]) -> PersistedState {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        // A file cut short (or with damage past some key) is not JSON at all: then each key's value that is still
        // whole is taken on its own.
        guard
            let salvaged = (try? decoder.decode(Salvage.self, from: Data(bytes)))
                ?? (try? decoder.decode(Salvage.self, from: Data(wholeValues(in: bytes))))
        else { return PersistedState() }
        var state = PersistedState()
        state.vpsID = salvaged.vpsID
        state.routes = salvaged.routes.compactMap(\.value)
        state.ownership = OwnershipRecord(addresses: Set(salvaged.ownedAddresses.compactMap(\.value)))
        state.savedSysctls = salvaged.savedSysctls.compactMap(\.value)
        state.uplink = salvaged.uplink
        return state
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        vpsID = try container.decodeIfPresent(String.self, forKey: .vpsID)
        routes = try container.decode([AppliedRoute].self, forKey: .routes)
        ownership = try container.decode(OwnershipRecord.self, forKey: .ownership)
        savedSysctls = try container.decode([SavedSysctl].self, forKey: .savedSysctls)
        uplink = try container.decodeIfPresent(String.self, forKey: .uplink)
        recovery = try container.decodeIfPresent(Recovery.self, forKey: .recovery)
    }
}

/// `{"KEY": VALUE, ...}` of the salvageable keys whose value is still whole in `bytes` (found by scanning the text,
/// strings and nesting respected), for a file that is not JSON as a whole.
private func wholeValues(in bytes: [UInt8]) -> [UInt8] {
    var members: [String] = []
    for key in ["vpsID", "routes", "ownership", "savedSysctls", "uplink"] {
        let needle = Array("\"\(key)\"".utf8)
        var index = 0
        while index + needle.count <= bytes.count {
            guard Array(bytes[index..<(index + needle.count)]) == needle else {
                index += 1
                continue
            }
            var cursor = index + needle.count
            while cursor < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[cursor]) { cursor += 1 }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":") else {
                index += 1
                continue
            }
            cursor += 1
            while cursor < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[cursor]) { cursor += 1 }
            if let end = endOfValue(bytes, from: cursor) {
                members.append("\"\(key)\": " + String(decoding: bytes[cursor..<end], as: UTF8.self))
            }
            break
        }
    }
    return Array(("{" + members.joined(separator: ", ") + "}").utf8)
}

/// The end (exclusive) of the JSON value starting at `start`, or `nil` when the text ends first.
private func endOfValue(_ bytes: [UInt8], from start: Int) -> Int? {
    guard start < bytes.count else { return nil }
    var depth = 0
    var inString = false
    var escaped = false
    var index = start
    while index < bytes.count {
        let byte = bytes[index]
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
                if depth == 0 { return index + 1 }
            }
        } else {
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 { return index + 1 }
                if depth < 0 { return nil }
            case UInt8(ascii: ","), 0x20, 0x0A, 0x0D, 0x09:
                if depth == 0 { return index > start ? index : nil }
            default: break
            }
        }
        index += 1
    }
    return nil
}

/// The lenient reading behind ``PersistedState/salvage(_:)``.
private struct Salvage: Decodable {
    var vpsID: String?
    var routes: [Lenient<AppliedRoute>] = []
    var ownedAddresses: [Lenient<OwnedAddress>] = []
    var savedSysctls: [Lenient<SavedSysctl>] = []
    var uplink: String?

    private enum CodingKeys: String, CodingKey { case vpsID, routes, ownership, savedSysctls, uplink }
    private enum OwnershipKeys: String, CodingKey { case addresses }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        vpsID = (try? container.decodeIfPresent(String.self, forKey: .vpsID)) ?? nil
        uplink = (try? container.decodeIfPresent(String.self, forKey: .uplink)) ?? nil
        routes = (try? container.decodeIfPresent([Lenient<AppliedRoute>].self, forKey: .routes)) ?? []
        savedSysctls = (try? container.decodeIfPresent([Lenient<SavedSysctl>].self, forKey: .savedSysctls)) ?? []
        if let ownership = try? container.nestedContainer(keyedBy: OwnershipKeys.self, forKey: .ownership) {
            ownedAddresses = (try? ownership.decodeIfPresent([Lenient<OwnedAddress>].self, forKey: .addresses)) ?? []
        }
    }
}

/// One list entry that may not decode: `nil` then, and the list goes on.
private struct Lenient<Value: Decodable>: Decodable {
    var value: Value?

    init(from decoder: any Decoder) {
        value = try? Value(from: decoder)
    }
}

/// A route of this VPS as the agent applies it.
public struct AppliedRoute: Codable, Sendable, Equatable {
    public var id: String
    public var prefix: IPv6Prefix
    public var label: String?
    /// When a valid answer first no longer listed it; it is removed once a second valid answer, fetched at least
    /// 2 seconds later, confirms it is gone.
    public var missingSince: Date?

    public init(id: String, prefix: IPv6Prefix, label: String?, missingSince: Date? = nil) {
        self.id = id
        self.prefix = prefix
        self.label = label
        self.missingSince = missingSince
    }

    var routedPrefix: RoutedPrefix { RoutedPrefix(id: id, prefix: prefix, label: label) }
}
