/// A TOML value: one of the seven kinds TOML 1.0 defines.
///
/// Arrays of tables (`[[name]]`) and inline tables arrive as ``array(_:)`` of ``table(_:)`` and ``table(_:)``, as
/// the TOML data model has it; the syntax a table was written in is not kept, but each table's
/// ``TOMLTable/position`` and each key's ``TOMLTable/Entry/position`` are.
///
/// - Important: `Equatable` follows IEEE 754 for ``float(_:)``: a NaN is equal to nothing, itself included.
// NOTE: a closed enum is fine here: the set of kinds is TOML's, fixed by the 1.0 specification (and unchanged
// in 1.1), so no case will be added that a caller's `switch` would miss.
public enum TOMLValue: Sendable, Equatable {
    /// A basic, literal or multi-line string, escapes resolved.
    case string(String)
    /// A decimal, hexadecimal, octal or binary integer. TOML integers are 64-bit signed.
    case integer(Int64)
    /// An IEEE 754 binary64 float, including `inf` and `nan`.
    case float(Double)
    /// `true` or `false`.
    case boolean(Bool)
    /// An offset date-time, local date-time, local date or local time.
    case dateTime(TOMLDateTime)
    /// An array, or an array of tables.
    case array([TOMLValue])
    /// A table, an inline table, or one element of an array of tables.
    case table(TOMLTable)

    /// The string, if this is a ``string(_:)``.
    public var string: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The integer, if this is an ``integer(_:)``.
    public var integer: Int64? {
        if case .integer(let value) = self { value } else { nil }
    }

    /// The Boolean, if this is a ``boolean(_:)``.
    public var boolean: Bool? {
        if case .boolean(let value) = self { value } else { nil }
    }

    /// The elements, if this is an ``array(_:)``.
    public var array: [TOMLValue]? {
        if case .array(let value) = self { value } else { nil }
    }

    /// The table, if this is a ``table(_:)``.
    public var table: TOMLTable? {
        if case .table(let value) = self { value } else { nil }
    }

    /// What kind of value this is, with its article, for messages: `a string`, `an integer`, `an array`.
    public var kindDescription: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .dateTime: "a date-time"
        case .array: "an array"
        case .table: "a table"
        }
    }
}
