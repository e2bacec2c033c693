extension TOMLTable {
    /// How deeply arrays, inline tables and tables may nest unless the caller says otherwise.
    public static let defaultMaximumDepth = 128

    /// Parses a TOML 1.0 document given as UTF-8 bytes.
    ///
    /// Every part of TOML 1.0 is accepted (tables, arrays of tables, dotted keys, inline tables, all four string
    /// forms, integers in every base, floats, date-times); newer syntax (TOML 1.1's `\e` and `\xHH` escapes, line
    /// ends inside inline tables, times without seconds) is refused as the 1.0 specification asks. A UTF-8 byte
    /// order mark at the start is skipped.
    ///
    /// - Important: No input makes this trap or exhaust the stack: the result is a table or a ``TOMLError``.
    /// - Parameters:
    ///   - bytes: The document.
    ///   - maximumDepth: How many arrays and tables may enclose a value; deeper documents are refused with
    ///     ``TOMLError/Code/unsupported``. Defaults to ``defaultMaximumDepth``.
    /// - Throws: ``TOMLError``, with ``TOMLError/Code/syntax``, ``TOMLError/Code/invalidValue``,
    ///   ``TOMLError/Code/redefinition``, ``TOMLError/Code/encoding`` for documents that are not TOML 1.0, or
    ///   ``TOMLError/Code/unsupported`` for valid ones nested deeper than `maximumDepth`.
    public init(parsing bytes: some Sequence<UInt8>, maximumDepth: Int = TOMLTable.defaultMaximumDepth) throws {
        var parser = Parser(bytes: Array(bytes), maximumDepth: maximumDepth)
        self = try parser.parseDocument()
    }

    /// Parses a TOML 1.0 document given as text; see ``init(parsing:maximumDepth:)-(Sequence<UInt8>,_)``.
    public init(parsing text: String, maximumDepth: Int = TOMLTable.defaultMaximumDepth) throws {
        try self.init(parsing: Array(text.utf8), maximumDepth: maximumDepth)
    }
}
