import CSystemd
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler that writes structured entries to the systemd journal.
///
/// Each record becomes one journal entry sent with `sd_journal_sendv(3)` over journald's native protocol, so
/// values may span lines. The fields are those of ``fields(for:)``: `MESSAGE`, `PRIORITY`, `MESSAGE_ID` (for
/// records that carry a known `hostup.event`), `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`, and the
/// logger's metadata as upper-case fields (`hostup.route_id` → `HOSTUP_ROUTE_ID`).
///
/// Use it when ``isStandardErrorJournal(environment:)`` is `true` (systemd connected standard error to the journal)
/// or when asked to explicitly; otherwise log lines to standard error.
///
/// - Important: Whatever is in a record's message or metadata ends up in the journal; callers keep secrets such as
///   the API token out of both.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?

    /// The `SYSLOG_IDENTIFIER` of every entry.
    public let identifier: String

    /// - Parameters:
    ///   - label: The logger's label (swift-log's factory argument); not written to the journal.
    ///   - identifier: The `SYSLOG_IDENTIFIER` field, shown by `journalctl` before each message and matched by
    ///     `journalctl -t`. Defaults to `hostup-routed`.
    public init(label: String, identifier: String = "hostup-routed") {
        self.identifier = identifier
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = fields(for: event)
        if Self.send(fields) < 0 {
            // The journal is gone (for example journald restarting); do not lose the record.
            var line = "<\(Self.priority(of: event.level))>\(event.message)\n"
            line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
        }
    }

    /// The journal fields for one record, each a `KEY=value` string, in this order:
    ///
    /// - `MESSAGE`: the message as is (newlines included).
    /// - `PRIORITY`: the syslog level 0–7 of ``priority(of:)``.
    /// - `MESSAGE_ID`: when the `hostup.event` metadata value has a ``JournalMessageID``.
    /// - `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`.
    /// - Control characters other than newline and tab in the message and the values are written as `\xNN`.
    /// - The merged metadata (provider, then handler, then record; later wins), sorted by key. A key is upper-cased
    ///   with `.` and `-` turned into `_`. Keys that do not then form a valid journal field name (`A–Z`, `0–9`,
    ///   `_`, not starting with a digit or `_`, at most 64 characters) or that would repeat one of the fields above
    ///   are skipped.
    public func fields(for event: LogEvent) -> [String] {
        var merged = metadataProvider?.get() ?? [:]
        merged.merge(metadata) { _, new in new }
        merged.merge(event.metadata ?? [:]) { _, new in new }

        var fields = [
            "MESSAGE=\(Self.escapingControlCharacters("\(event.message)"))",
            "PRIORITY=\(Self.priority(of: event.level))",
        ]
        if let kind = merged[JournalMessageID.eventMetadataKey], let id = JournalMessageID(event: "\(kind)") {
            fields.append("MESSAGE_ID=\(id.rawValue)")
        }
        fields.append("SYSLOG_IDENTIFIER=\(identifier)")
        fields.append("CODE_FILE=\(event.file)")
        fields.append("CODE_LINE=\(event.line)")
        fields.append("CODE_FUNC=\(event.function)")
        for key in merged.keys.sorted() {
            guard let name = Self.fieldName(forMetadataKey: key) else { continue }
            fields.append("\(name)=\(Self.escapingControlCharacters("\(merged[key]!)"))")
        }
        return fields
    }

    /// `text` with every control character but newline and tab (C0, DEL, C1) written as `\xNN`: strings from the
    /// API or the config (an ESC from a paste, a terminal sequence) reach the journal as text, never as control
    /// codes for whoever reads it with `journalctl`.
    static func escapingControlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isEscaped) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            if isEscaped(scalar) {
                let hex = String(scalar.value, radix: 16)
                escaped += "\\x" + (hex.count == 1 ? "0" : "") + hex
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func isEscaped(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\n" && scalar != "\t" && (scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value))
    }

    /// The syslog priority of a swift-log level, as journald's `PRIORITY` field takes it (`syslog(3)`).
    ///
    /// trace and debug → 7 (`LOG_DEBUG`), info → 6 (`LOG_INFO`), notice → 5 (`LOG_NOTICE`), warning → 4
    /// (`LOG_WARNING`), error → 3 (`LOG_ERR`), critical → 2 (`LOG_CRIT`).
    public static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Whether standard error is a stream systemd connected to the journal.
    ///
    /// systemd sets `JOURNAL_STREAM=DEVICE:INODE` for a service whose output goes to the journal; it matches only
    /// while fd 2 is still that stream (not after a shell redirected it). See `systemd.exec(5)`, "JOURNAL_STREAM".
    ///
    /// - Parameter environment: The process environment; only `JOURNAL_STREAM` is read.
    public static func isStandardErrorJournal(environment: [String: String]) -> Bool {
        guard let stream = environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// ``isStandardErrorJournal(environment:)`` with this process's `JOURNAL_STREAM`.
    public static func isStandardErrorJournal() -> Bool {
        guard let value = getenv("JOURNAL_STREAM") else { return false }
        return isStandardErrorJournal(environment: ["JOURNAL_STREAM": String(cString: value)])
    }

    /// The journal field name for a metadata key, or `nil` when it is not a valid, unreserved field name.
    static func fieldName(forMetadataKey key: String) -> String? {
        var name = ""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9", "_": name.unicodeScalars.append(scalar)
            case ".", "-": name.append("_")
            default: return nil
            }
        }
        guard let first = name.unicodeScalars.first, first != "_", !("0"..."9").contains(first), name.utf8.count <= 64
        else { return nil }
        return reservedFields.contains(name) ? nil : name
    }

    private static let reservedFields: Set<String> = [
        "MESSAGE", "PRIORITY", "MESSAGE_ID", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC",
    ]

    /// sd_journal_sendv(3): one entry from `KEY=value` fields. Returns 0 or a negative errno.
    private static func send(_ fields: [String]) -> Int32 {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = bytes.count
            bytes.append(contentsOf: field.utf8)
            ranges.append(start..<bytes.count)
        }
        return bytes.withUnsafeMutableBytes { buffer in
            let vectors = ranges.map { iovec(iov_base: buffer.baseAddress! + $0.lowerBound, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }
}
