/// A TOML document that cannot be parsed: what is wrong, and where.
///
/// Branch on ``code``; show ``description`` (`line 3, column 7: expected '=' after the key "poll_interval"`).
/// `Equatable` compares ``code`` only.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is: a stable, bounded value fit for a metric label or a journal field.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case syntax, invalidValue, redefinition, unsupported, encoding
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The text is not TOML: an unexpected character, a missing `=` or `]`, an unterminated string, a control
        /// character where TOML allows none, a leading zero.
        public static let syntax = Code(.syntax)
        /// Well-formed, but not a value TOML allows: an integer outside the 64-bit signed range, an escape that names
        /// no Unicode scalar, a date that does not exist (February 30).
        public static let invalidValue = Code(.invalidValue)
        /// A key or table defined twice, or a table extended in a way TOML 1.0 forbids (a `[header]` for a table
        /// made by dotted keys, a key added to an inline table, `[x]` after `[[x]]`).
        public static let redefinition = Code(.redefinition)
        /// Valid TOML that this parser refuses: arrays, inline tables and tables nested deeper than its limit.
        public static let unsupported = Code(.unsupported)
        /// The bytes are not UTF-8 (TOML documents must be).
        public static let encoding = Code(.encoding)

        /// A short stable name, e.g. `redefinition`.
        public var description: String {
            switch value {
            case .syntax: "syntax"
            case .invalidValue: "invalidValue"
            case .redefinition: "redefinition"
            case .unsupported: "unsupported"
            case .encoding: "encoding"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What is wrong, in one line, without the position: `expected '=' after the key "poll_interval"`.
    public var message: String
    /// Where in the document it is wrong.
    public var position: TOMLPosition
    /// Where the error was created (`#fileID:#line`).
    public var location: String

    /// Creates an error.
    public init(
        code: Code,
        message: String,
        position: TOMLPosition,
        fileID: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.position = position
        self.location = "\(fileID):\(line)"
    }

    /// `line 3, column 7: expected '=' after the key "poll_interval"`.
    public var description: String { "\(position): \(message)" }

    public static func == (lhs: TOMLError, rhs: TOMLError) -> Bool { lhs.code == rhs.code }
}
