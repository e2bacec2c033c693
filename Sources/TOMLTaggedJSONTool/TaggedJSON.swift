import TOMLParsing

/// A parsed TOML document in toml-test's tagged JSON form: tables as objects, arrays as arrays, and every other value
/// as `{"type": "integer", "value": "42"}` (https://github.com/toml-lang/toml-test, "JSON encoding").
enum TaggedJSON {
    static func render(_ table: TOMLTable) -> String {
        var output = ""
        append(table, to: &output)
        return output
    }

    static func append(_ table: TOMLTable, to output: inout String) {
        output += "{"
        for (number, entry) in table.entries.enumerated() {
            if number > 0 { output += "," }
            appendString(entry.key, to: &output)
            output += ":"
            append(entry.value, to: &output)
        }
        output += "}"
    }

    static func append(_ value: TOMLValue, to output: inout String) {
        switch value {
        case .string(let string):
            output += "{\"type\":\"string\",\"value\":"
            appendString(string, to: &output)
            output += "}"
        case .integer(let integer):
            output += "{\"type\":\"integer\",\"value\":\"\(integer)\"}"
        case .float(let float):
            // Swift prints the shortest text that reads back as the same Double; `nan`, `inf`, `-inf` as toml-test.
            let text = float.isNaN ? "nan" : float.isInfinite ? (float < 0 ? "-inf" : "inf") : "\(float)"
            output += "{\"type\":\"float\",\"value\":\"\(text)\"}"
        case .boolean(let boolean):
            output += "{\"type\":\"bool\",\"value\":\"\(boolean)\"}"
        case .dateTime(let dateTime):
            let type =
                switch (dateTime.date != nil, dateTime.time != nil, dateTime.utcOffsetMinutes != nil) {
                case (true, true, true): "datetime"
                case (true, true, false): "datetime-local"
                case (true, false, _): "date-local"
                default: "time-local"
                }
            output += "{\"type\":\"\(type)\",\"value\":\"\(dateTime)\"}"
        case .array(let elements):
            output += "["
            for (number, element) in elements.enumerated() {
                if number > 0 { output += "," }
                append(element, to: &output)
            }
            output += "]"
        case .table(let table):
            append(table, to: &output)
        }
    }

    /// A JSON string (RFC 8259 §7): quotes, backslashes and control characters escaped, everything else as is.
    static func appendString(_ string: String, to output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\t": output += "\\t"
            case "\r": output += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
