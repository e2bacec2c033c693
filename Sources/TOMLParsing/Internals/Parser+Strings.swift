/// The four kinds of TOML string: basic (`"…"`, with escapes), literal (`'…'`), and their multi-line forms.
///
/// Control characters other than the tab are refused in all of them (TOML 1.0 "String"); multi-line strings also
/// hold line ends, which arrive as `\n` whether the file has `\n` or `\r\n` (TOML allows normalising them).
extension Parser {
    /// `"…"` at `index`.
    mutating func parseBasicString() throws(TOMLError) -> String {
        let opening = index
        index = index &+ 1
        var text: [UInt8] = []
        var run = index
        while true {
            skipPlainStringBytes(stoppingAt: ASCII.quote)
            guard let byte = current else {
                throw error(.syntax, "the string is never closed with '\"'", at: opening)
            }
            switch byte {
            case ASCII.quote:
                text.append(contentsOf: bytes[run..<index])
                index = index &+ 1
                return String(decoding: text, as: UTF8.self)
            case ASCII.backslash:
                text.append(contentsOf: bytes[run..<index])
                try parseEscape(into: &text, multiline: false)
                run = index
            case ASCII.lineFeed, ASCII.carriageReturn:
                throw error(
                    .syntax,
                    "the string is not closed with '\"' on its line (use \"\"\"…\"\"\" for several lines)",
                    at: opening
                )
            case _ where ASCII.isControl(byte) && byte != ASCII.tab:
                throw error(.syntax, "control character \(describe(at: index)) in a string; write it as an escape")
            default:
                index = index &+ 1
            }
        }
    }

    /// `'…'` at `index`.
    mutating func parseLiteralString() throws(TOMLError) -> String {
        let opening = index
        index = index &+ 1
        let start = index
        while true {
            skipPlainStringBytes(stoppingAt: ASCII.apostrophe)
            guard let byte = current else {
                throw error(.syntax, "the string is never closed with \"'\"", at: opening)
            }
            switch byte {
            case ASCII.apostrophe:
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                index = index &+ 1
                return text
            case ASCII.lineFeed, ASCII.carriageReturn:
                throw error(
                    .syntax,
                    "the string is not closed with \"'\" on its line (use '''…''' for several lines)",
                    at: opening
                )
            case _ where ASCII.isControl(byte) && byte != ASCII.tab:
                throw error(.syntax, "control character \(describe(at: index)) in a literal string")
            default:
                index = index &+ 1
            }
        }
    }

    /// `"""…"""` at `index`.
    mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        try parseMultiline(delimiter: ASCII.quote)
    }

    /// `'''…'''` at `index`.
    mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        try parseMultiline(delimiter: ASCII.apostrophe)
    }

    private mutating func parseMultiline(delimiter: UInt8) throws(TOMLError) -> String {
        let opening = position
        let isBasic = delimiter == ASCII.quote
        index = index &+ 3
        // A line end right after the opening delimiter is not part of the string.
        if current == ASCII.lineFeed {
            index = index &+ 1
            startLine(at: index)
        } else if current == ASCII.carriageReturn && peek(1) == ASCII.lineFeed {
            index = index &+ 2
            startLine(at: index)
        }
        var text: [UInt8] = []
        while true {
            let run = index
            skipPlainStringBytes(stoppingAt: delimiter)
            text.append(contentsOf: bytes[run..<index])
            guard let byte = current else {
                let quotes = isBasic ? "\"\"\"" : "'''"
                throw TOMLError(
                    code: .syntax,
                    message: "the multi-line string opened here is never closed with \(quotes)",
                    position: opening
                )
            }
            switch byte {
            case delimiter:
                guard peek(1) == delimiter && peek(2) == delimiter else {
                    text.append(byte)
                    index = index &+ 1
                    continue
                }
                // Up to two more delimiters right before the closing three belong to the string.
                index = index &+ 3
                for _ in 0..<2 where current == delimiter {
                    text.append(delimiter)
                    index = index &+ 1
                }
                return String(decoding: text, as: UTF8.self)
            case ASCII.backslash where isBasic:
                try parseEscape(into: &text, multiline: true)
            case ASCII.lineFeed:
                text.append(ASCII.lineFeed)
                index = index &+ 1
                startLine(at: index)
            case ASCII.carriageReturn:
                guard peek(1) == ASCII.lineFeed else {
                    throw error(.syntax, "a carriage return (U+000D) must be followed by a line feed")
                }
                text.append(ASCII.lineFeed)
                index = index &+ 2
                startLine(at: index)
            case _ where ASCII.isControl(byte) && byte != ASCII.tab:
                throw error(.syntax, "control character \(describe(at: index)) in a string")
            default:
                text.append(byte)
                index = index &+ 1
            }
        }
    }

    /// Moves `index` past bytes that stand for themselves in any string: not `delimiter`, a backslash, or a control
    /// character other than the tab. The loops above then deal with one special byte at a time.
    private mutating func skipPlainStringBytes(stoppingAt delimiter: UInt8) {
        let count = bytes.count
        var i = index
        while i < count {
            let byte = bytes[i]
            if byte == delimiter || byte == ASCII.backslash || (byte < 0x20 && byte != ASCII.tab)
                || byte == ASCII.delete
            {
                break
            }
            i = i &+ 1
        }
        index = i
    }

    /// An escape sequence at `index` (the backslash), appended to `text` as UTF-8.
    private mutating func parseEscape(into text: inout [UInt8], multiline: Bool) throws(TOMLError) {
        let start = index
        guard let letter = peek(1) else {
            throw error(.syntax, "the string ends inside an escape sequence", at: start)
        }
        index = index &+ 2
        switch letter {
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "t"): text.append(ASCII.tab)
        case UInt8(ascii: "n"): text.append(ASCII.lineFeed)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "r"): text.append(ASCII.carriageReturn)
        case ASCII.quote: text.append(ASCII.quote)
        case ASCII.backslash: text.append(ASCII.backslash)
        case UInt8(ascii: "u"): try appendScalar(hexDigits: 4, into: &text, escapeStart: start)
        case UInt8(ascii: "U"): try appendScalar(hexDigits: 8, into: &text, escapeStart: start)
        case ASCII.space, ASCII.tab, ASCII.lineFeed, ASCII.carriageReturn:
            guard multiline else {
                index = start
                throw error(
                    .syntax,
                    letter == ASCII.space || letter == ASCII.tab
                        ? "invalid escape '\\' followed by whitespace (write '\\\\' for a backslash)"
                        : "the string is not closed with '\"' on its line (use \"\"\"…\"\"\" for several lines)",
                    at: start
                )
            }
            try skipLineEndingBackslash(at: start)
        default:
            index = start
            throw error(
                .syntax,
                "invalid escape: '\\' followed by \(describe(at: start &+ 1)); TOML 1.0 has \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX (write '\\\\' for a backslash)",
                at: start
            )
        }
    }

    /// A line-ending backslash in a multi-line basic string: it, the line end and all whitespace and line ends after
    /// it vanish.
    private mutating func skipLineEndingBackslash(at start: Int) throws(TOMLError) {
        index = start &+ 1
        skipWhitespace()
        switch current {
        case ASCII.lineFeed:
            index = index &+ 1
        case ASCII.carriageReturn where peek(1) == ASCII.lineFeed:
            index = index &+ 2
        default:
            throw error(
                .syntax,
                "a '\\' followed by whitespace must end the line (or write '\\\\' for a backslash)",
                at: start
            )
        }
        startLine(at: index)
        while let byte = current {
            if byte == ASCII.space || byte == ASCII.tab {
                index = index &+ 1
            } else if byte == ASCII.lineFeed {
                index = index &+ 1
                startLine(at: index)
            } else if byte == ASCII.carriageReturn && peek(1) == ASCII.lineFeed {
                index = index &+ 2
                startLine(at: index)
            } else {
                break
            }
        }
    }

    /// `\uXXXX` or `\UXXXXXXXX` after its letter: exactly that many hex digits naming a Unicode scalar.
    private mutating func appendScalar(hexDigits: Int, into text: inout [UInt8], escapeStart: Int) throws(TOMLError) {
        var value: UInt32 = 0
        for _ in 0..<hexDigits {
            guard let byte = current, let digit = ASCII.hexValue(byte) else {
                throw error(
                    .syntax,
                    "\\\(hexDigits == 4 ? "u" : "U") needs exactly \(hexDigits) hexadecimal digits",
                    at: escapeStart
                )
            }
            value = value << 4 | UInt32(digit)
            index = index &+ 1
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw error(
                .invalidValue,
                "the escape names U+\(String(value, radix: 16, uppercase: true)), which is not a Unicode scalar value (a surrogate, or past U+10FFFF)",
                at: escapeStart
            )
        }
        text.append(contentsOf: Array(String(scalar).utf8))
    }
}
