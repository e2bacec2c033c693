/// Values: the dispatch on the first character, arrays, inline tables, numbers, booleans and date-times.
extension Parser {
    /// A value at `index`, which will sit `depth` levels below the document.
    mutating func parseValue(depth: Int) throws(TOMLError) -> TOMLValue {
        guard let first = current else {
            throw error(.syntax, "expected a value, found the end of the document")
        }
        switch first {
        case ASCII.quote:
            return .string(
                peek(1) == ASCII.quote && peek(2) == ASCII.quote
                    ? try parseMultilineBasicString() : try parseBasicString()
            )
        case ASCII.apostrophe:
            return .string(
                peek(1) == ASCII.apostrophe && peek(2) == ASCII.apostrophe
                    ? try parseMultilineLiteralString() : try parseLiteralString()
            )
        case ASCII.leftBracket:
            return try parseArray(depth: depth)
        case ASCII.leftBrace:
            return try parseInlineTable(depth: depth)
        case UInt8(ascii: "t") where lookingAt("true"):
            index = index &+ 4
            return .boolean(true)
        case UInt8(ascii: "f") where lookingAt("false"):
            index = index &+ 5
            return .boolean(false)
        default:
            break
        }
        switch DateTimeScanner.scan(bytes, from: index) {
        case .value(let dateTime, let end):
            index = end
            return .dateTime(dateTime)
        case .invalid(let message, let at):
            throw error(.invalidValue, message, at: at)
        case .missingSeconds(let at):
            throw error(.syntax, "a time needs seconds (HH:MM:SS) in TOML 1.0", at: at)
        case .none:
            break
        }
        if let number = try parseNumber() {
            return number
        }
        if first == ASCII.lineFeed || first == ASCII.carriageReturn || first == ASCII.hash {
            throw error(.syntax, "expected a value after '=' on the same line")
        }
        throw error(
            .syntax,
            "expected a value (a string, number, true, false, date-time, array or inline table), found \(describe(at: index))"
        )
    }

    // MARK: - Arrays and inline tables

    private mutating func checkDepth(_ depth: Int) throws(TOMLError) {
        guard depth <= maximumDepth else {
            throw error(
                .unsupported,
                "arrays and tables nested more than \(maximumDepth) levels deep are not supported"
            )
        }
    }

    /// `[ value, value, ]`: any values, line ends and comments between them, a trailing comma allowed.
    private mutating func parseArray(depth: Int) throws(TOMLError) -> TOMLValue {
        try checkDepth(depth)
        let opening = position
        index = index &+ 1
        var elements: [TOMLValue] = []
        try skipArrayWhitespace()
        while true {
            switch current {
            case ASCII.rightBracket:
                index = index &+ 1
                return .array(elements)
            case nil:
                throw TOMLError(
                    code: .syntax,
                    message: "the array opened here is never closed with ']'",
                    position: opening
                )
            default:
                break
            }
            elements.append(try parseValue(depth: depth &+ 1))
            try skipArrayWhitespace()
            switch current {
            case ASCII.rightBracket:
                index = index &+ 1
                return .array(elements)
            case ASCII.comma:
                index = index &+ 1
                try skipArrayWhitespace()
            case nil:
                throw TOMLError(
                    code: .syntax,
                    message: "the array opened here is never closed with ']'",
                    position: opening
                )
            default:
                throw error(.syntax, "expected ',' or ']' after an array element, found \(describe(at: index))")
            }
        }
    }

    /// `{ key = value, key = value }`: on one line, no trailing comma (TOML 1.0).
    private mutating func parseInlineTable(depth: Int) throws(TOMLError) -> TOMLValue {
        try checkDepth(depth)
        let table = TableNode(origin: .header, position: position, depth: depth)
        let number = newSectionNumber()
        index = index &+ 1
        skipWhitespace()
        if current == ASCII.rightBrace {
            index = index &+ 1
            return .table(table.frozen())
        }
        while true {
            switch current {
            case ASCII.lineFeed, ASCII.carriageReturn, nil:
                throw error(.syntax, "an inline table must be closed with '}' on the line it opens (TOML 1.0)")
            case ASCII.rightBrace:
                throw error(.syntax, "a trailing comma is not allowed in an inline table (TOML 1.0)")
            default:
                break
            }
            try parseKeyValue(in: table, sectionNumber: number)
            skipWhitespace()
            switch current {
            case ASCII.rightBrace:
                index = index &+ 1
                return .table(table.frozen())
            case ASCII.comma:
                index = index &+ 1
                skipWhitespace()
            case ASCII.lineFeed, ASCII.carriageReturn, nil:
                throw error(.syntax, "an inline table must be closed with '}' on the line it opens (TOML 1.0)")
            default:
                throw error(.syntax, "expected ',' or '}' in the inline table, found \(describe(at: index))")
            }
        }
    }

    // MARK: - Numbers

    /// An integer or float at `index`, or `nil` if none starts here.
    private mutating func parseNumber() throws(TOMLError) -> TOMLValue? {
        let start = index
        var i = index
        var negative = false
        if let sign = byte(at: i), sign == ASCII.plus || sign == ASCII.minus {
            negative = sign == ASCII.minus
            i = i &+ 1
        }
        if matches("inf", at: i) {
            index = i &+ 3
            return .float(negative ? -.infinity : .infinity)
        }
        if matches("nan", at: i) {
            index = i &+ 3
            return .float(.nan)
        }
        guard let first = byte(at: i), ASCII.isDigit(first) else { return nil }

        if first == ASCII.zero, let radixLetter = byte(at: i &+ 1),
            radixLetter == UInt8(ascii: "x") || radixLetter == UInt8(ascii: "o") || radixLetter == UInt8(ascii: "b")
        {
            guard i == start else {
                throw error(.syntax, "a hexadecimal, octal or binary integer cannot have a sign", at: start)
            }
            return try parsePrefixedInteger(radixLetter)
        }

        // Integer part: 0, or a non-zero digit and more digits, single underscores between digits.
        if first == ASCII.zero {
            i = i &+ 1
            if let next = byte(at: i), ASCII.isDigit(next) || next == ASCII.underscore {
                throw error(.syntax, "leading zeros are not allowed in a number", at: start)
            }
        } else {
            i = try skipDigits(from: i)
        }
        var isFloat = false
        if byte(at: i) == ASCII.dot {
            guard let next = byte(at: i &+ 1), ASCII.isDigit(next) else {
                throw error(.syntax, "expected a digit after the decimal point", at: i &+ 1)
            }
            i = try skipDigits(from: i &+ 1)
            isFloat = true
        }
        if let letter = byte(at: i), letter == UInt8(ascii: "e") || letter == UInt8(ascii: "E") {
            i = i &+ 1
            if let sign = byte(at: i), sign == ASCII.plus || sign == ASCII.minus { i = i &+ 1 }
            guard let next = byte(at: i), ASCII.isDigit(next) else {
                throw error(.syntax, "expected a digit in the exponent", at: i)
            }
            i = try skipDigits(from: i)
            isFloat = true
        }
        index = i
        let digits = bytes[start..<i].filter { $0 != ASCII.underscore }
        if isFloat {
            guard let value = Double(String(decoding: digits, as: UTF8.self)) else {
                throw error(.invalidValue, "not a float", at: start)
            }
            return .float(value)
        }
        // Accumulate towards the sign, so that Int64.min is reachable and overflow is reported, not trapped.
        var value: Int64 = 0
        for digit in digits where ASCII.isDigit(digit) {
            let (shifted, overflowMultiplying) = value.multipliedReportingOverflow(by: 10)
            let step = Int64(digit &- ASCII.zero)
            let (next, overflowAdding) =
                negative ? shifted.subtractingReportingOverflow(step) : shifted.addingReportingOverflow(step)
            guard !overflowMultiplying, !overflowAdding else {
                throw error(
                    .invalidValue,
                    "\(String(decoding: bytes[start..<i], as: UTF8.self)) is outside the 64-bit integer range",
                    at: start
                )
            }
            value = next
        }
        return .integer(value)
    }

    /// `0x`, `0o` or `0b` and its digits, single underscores between digits; non-negative and at most Int64.max.
    private mutating func parsePrefixedInteger(_ radixLetter: UInt8) throws(TOMLError) -> TOMLValue {
        let start = index
        let radix: Int64 = radixLetter == UInt8(ascii: "x") ? 16 : radixLetter == UInt8(ascii: "o") ? 8 : 2
        let name = radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary"
        index = index &+ 2
        var value: Int64 = 0
        var digitCount = 0
        var afterUnderscore = false
        while let byte = current {
            if byte == ASCII.underscore {
                guard digitCount > 0, !afterUnderscore else { break }
                afterUnderscore = true
                index = index &+ 1
                continue
            }
            guard let digit = ASCII.hexValue(byte), Int64(digit) < radix else { break }
            let (shifted, overflowMultiplying) = value.multipliedReportingOverflow(by: radix)
            let (next, overflowAdding) = shifted.addingReportingOverflow(Int64(digit))
            guard !overflowMultiplying, !overflowAdding else {
                throw error(.invalidValue, "this \(name) integer is larger than the 64-bit maximum", at: start)
            }
            value = next
            digitCount = digitCount &+ 1
            afterUnderscore = false
            index = index &+ 1
        }
        guard digitCount > 0 else { throw error(.syntax, "expected \(name) digits after the prefix", at: index) }
        guard !afterUnderscore else { throw error(.syntax, "'_' must be between digits", at: index &- 1) }
        return .integer(value)
    }

    /// Digits from `i` (the first is a digit), single underscores between them; the index after the last digit.
    private mutating func skipDigits(from start: Int) throws(TOMLError) -> Int {
        var i = start
        while let digit = byte(at: i) {
            if ASCII.isDigit(digit) {
                i = i &+ 1
            } else if digit == ASCII.underscore {
                guard let next = byte(at: i &+ 1), ASCII.isDigit(next) else {
                    throw error(.syntax, "'_' must be between digits", at: i)
                }
                i = i &+ 1
            } else {
                break
            }
        }
        return i
    }
}
