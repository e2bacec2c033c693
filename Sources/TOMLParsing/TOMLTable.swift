/// A TOML table: keys in the order they were first written, each with its value and the place it was written.
///
/// The document itself is a table; so are `[name]` sections, inline tables, tables made by dotted keys, and each
/// element of an array of tables. Look a key up with ``subscript(_:)`` or ``entry(_:)``, or walk ``entries``.
public struct TOMLTable: Sendable, Equatable {
    /// One key of a table.
    public struct Entry: Sendable, Equatable {
        /// The key, unquoted and with escapes resolved: `[[bindings]]` gives `bindings`, `"a.b" = 1` gives `a.b`.
        public var key: String
        /// The value.
        public var value: TOMLValue
        /// Where the key was first written: in `a.b = 1` the entry `b` of table `a` points at `b`; an array of
        /// tables points at its first `[[name]]` header.
        public var position: TOMLPosition

        /// Creates an entry.
        public init(key: String, value: TOMLValue, position: TOMLPosition) {
            self.key = key
            self.value = value
            self.position = position
        }
    }

    /// The keys in the order they were first written.
    public private(set) var entries: [Entry]
    /// Where the table is defined: the `[` of its header (for an array of tables, of this element's header), the
    /// first key of a dotted key that made it, the `{` of an inline table, or line 1, column 1 for the document.
    public var position: TOMLPosition
    private var indexByKey: [String: Int]

    /// Creates an empty table.
    public init(position: TOMLPosition = TOMLPosition(line: 1, column: 1)) {
        self.entries = []
        self.position = position
        self.indexByKey = [:]
    }

    /// The number of keys.
    public var count: Int { entries.count }

    /// `true` when the table has no keys.
    public var isEmpty: Bool { entries.isEmpty }

    /// The keys in the order they were first written.
    public var keys: [String] { entries.map(\.key) }

    /// The value of `key`, or `nil` if the table has no such key.
    public subscript(key: String) -> TOMLValue? {
        entry(key)?.value
    }

    /// The entry of `key` (its value and position), or `nil` if the table has no such key.
    public func entry(_ key: String) -> Entry? {
        guard let index = indexByKey[key], entries.indices.contains(index) else { return nil }
        return entries[index]
    }

    /// Adds `entry`, or replaces the entry with the same key in place.
    mutating func set(_ entry: Entry) {
        if let index = indexByKey[entry.key], entries.indices.contains(index) {
            entries[index] = entry
        } else {
            indexByKey[entry.key] = entries.count
            entries.append(entry)
        }
    }

    public static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
        lhs.position == rhs.position && lhs.entries == rhs.entries
    }
}
