#if canImport(Glibc)
import Glibc
#endif
import Logging

/// A swift-log handler that writes one logfmt line per record to standard error.
///
/// `level=info msg="applied 3 operations" hostup.prefix=2001:db8:1000:10::/64`. Values with spaces, quotes or `=`
/// are quoted; newlines are escaped, so one record is always one line. Used when the journal is not in use.
public struct LogfmtLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "level=\(event.level) msg=\(Self.quoted("\(event.message)"))"
        var merged = metadataProvider?.get() ?? [:]
        merged.merge(metadata) { _, new in new }
        merged.merge(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() {
            line += " \(key)=\(Self.quoted("\(merged[key]!)"))"
        }
        StandardError.write(line + "\n")
    }

    /// `value` as a logfmt value: quoted when it holds a space, `"`, `=`, `\` or a control character; `"` and
    /// `\` escaped, `\n` as `\n`, `\t` as `\t`, and every other control character (C0, DEL, C1: an ESC from an API
    /// string could drive the reader's terminal) as `\xNN` or `\u{NNNN}`.
    static func quoted(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || isControl($0) }
        guard needsQuotes else { return value }
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            case _ where isControl(scalar):
                let hex = String(scalar.value, radix: 16)
                escaped += scalar.value < 0x100 ? "\\x" + (hex.count == 1 ? "0" : "") + hex : "\\u{\(hex)}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "\"\(escaped)\""
    }

    /// C0, DEL and C1, and the format characters that rearrange or break what follows them on a terminal: the
    /// bidirectional marks, embeddings, overrides and isolates (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069;
    /// Unicode's UAX #9) and the line and paragraph separators (U+2028, U+2029).
    fileprivate static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}

extension String {
    /// The text with newlines and tabs as `\x0a` and `\x09`, for output that must stay on one line.
    package func replacingNewlinesAndTabs() -> String {
        guard contains(where: { $0 == "\n" || $0 == "\t" || $0 == "\r\n" }) else { return self }
        var escaped = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": escaped += "\\x0a"
            case "\t": escaped += "\\x09"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// The text with every control character but newline and tab (C0, DEL, C1) written as `\xNN`, for the
    /// command line's own output: API and config strings (a route id, a label, a problem document's detail) must
    /// not drive the reader's terminal.
    package var terminalSafe: String {
        guard unicodeScalars.contains(where: { $0 != "\n" && $0 != "\t" && LogfmtLogHandler.isControl($0) }) else {
            return self
        }
        var escaped = ""
        for scalar in unicodeScalars {
            if scalar != "\n", scalar != "\t", LogfmtLogHandler.isControl(scalar) {
                let hex = String(scalar.value, radix: 16)
                escaped += scalar.value > 0xFF ? "\\u{\(hex)}" : "\\x" + (hex.count == 1 ? "0" : "") + hex
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}

/// Unbuffered writes to standard error: one write(2) per record, so lines from several threads do not interleave.
package enum StandardError {
    package static func write(_ string: String) {
        TerminalConsole.write(string, to: STDERR_FILENO)
    }
}
