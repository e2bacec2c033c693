/// A place in a TOML document: a 1-based line and column.
///
/// Lines end at a line feed (`\n`, or `\r\n`). Columns count Unicode scalars from the start of the line, so a tab
/// or an `é` is one column, as most editors show them.
public struct TOMLPosition: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The line, counting from 1.
    public var line: Int
    /// The column, counting from 1, in Unicode scalars.
    public var column: Int

    /// Creates a position.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `line 3, column 7`.
    public var description: String { "line \(line), column \(column)" }

    public static func < (lhs: TOMLPosition, rhs: TOMLPosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}
