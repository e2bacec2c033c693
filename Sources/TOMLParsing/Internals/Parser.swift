/// A TOML 1.0 parser over UTF-8 bytes that reports every problem as a ``TOMLError`` and never traps.
///
/// NOTE: the parser is written so that no input can stop the process: every byte access goes through
/// ``byte(at:)``, which answers `nil` past either end; integer arithmetic that input can drive uses the reporting
/// or wrapping operators; and the only recursion (arrays and inline tables inside values, and turning the finished
/// tree into values) is bounded by `maximumDepth`, which also bounds how many levels of tables headers and
/// dotted keys can make. Configuration files are read by daemons that must survive a typo (a SIGHUP reload
/// keeps the previous configuration), so "cannot trap" is a requirement, not a nicety. At the default limit (128),
/// the deepest documents (inline tables in inline tables) took under 256 KiB of stack in a release build and under
/// 1.5 MiB in a debug build, measured on x86_64; Linux gives the main thread and Swift's cooperative threads 8 MiB.
struct Parser {
    let bytes: [UInt8]
    let maximumDepth: Int
    /// The next byte to read.
    var index = 0
    /// The line of `index`, and the index its line starts at.
    private(set) var line = 1
    private(set) var lineStart = 0
    /// The last column computed on the current line, so positions along a long line cost linear time overall.
    private var columnMark = (index: 0, column: 1)

    let document: TableNode
    /// The table the last header opened (the document before any header), and the number of that section.
    var section: TableNode
    var sectionNumber = 0
    private var sectionCount = 0

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        document = TableNode(origin: .header, position: TOMLPosition(line: 1, column: 1), depth: 0)
        section = document
    }

    /// A number for a new section (a header or an inline table), to tell whose dotted keys made a table.
    mutating func newSectionNumber() -> Int {
        sectionCount = sectionCount &+ 1
        return sectionCount
    }

    // MARK: - The document

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        try checkEncoding()
        // A byte order mark may open the document (toml-test `valid/utf8-bom-*`); it is not part of the text.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while true {
            skipWhitespace()
            guard let first = current else { break }
            switch first {
            case ASCII.lineFeed, ASCII.carriageReturn:
                try expectLineEnd(after: "a blank line")
                continue
            case ASCII.hash:
                break
            case ASCII.leftBracket:
                try parseHeader()
            case ASCII.quote, ASCII.apostrophe:
                try parseKeyValue(in: section, sectionNumber: sectionNumber)
            case _ where ASCII.isBareKey(first):
                try parseKeyValue(in: section, sectionNumber: sectionNumber)
            default:
                throw error(.syntax, "expected a key, a [table] header or a comment, found \(describe(at: index))")
            }
            skipWhitespace()
            try skipComment()
            try expectLineEnd(after: first == ASCII.leftBracket ? "the table header" : "the value")
        }
        return document.frozen()
    }

    // MARK: - Bytes and positions

    // NOTE: the accessors below are `mutating` although they only read: called from the mutating parse functions,
    // they then take `self` in place; a non-mutating call copies the parser (and retains its buffers) in debug
    // builds, which made debug parsing several times slower.

    /// The byte at `i`, or `nil` outside the document.
    mutating func byte(at i: Int) -> UInt8? {
        i >= 0 && i < bytes.count ? bytes[i] : nil
    }

    var current: UInt8? {
        mutating get { byte(at: index) }
    }

    mutating func peek(_ offset: Int) -> UInt8? { byte(at: index &+ offset) }

    /// `true` when the bytes at `index` are `text`.
    mutating func lookingAt(_ text: StaticString) -> Bool {
        matches(text, at: index)
    }

    /// `true` when the bytes at `i` are `text`.
    mutating func matches(_ text: StaticString, at i: Int) -> Bool {
        let count = text.utf8CodeUnitCount
        guard i >= 0, count <= bytes.count &- i else { return false }
        let start = text.utf8Start
        for offset in 0..<count where bytes[i &+ offset] != start[offset] {
            return false
        }
        return true
    }

    /// Records that a line ends just before `next`.
    mutating func startLine(at next: Int) {
        line = line &+ 1
        lineStart = next
        columnMark = (next, 1)
    }

    /// The position of byte `i` of the current line.
    mutating func position(of i: Int) -> TOMLPosition {
        var mark = columnMark
        if i < mark.index || mark.index < lineStart { mark = (lineStart, 1) }
        var column = mark.column
        var j = mark.index
        while j < i, let byte = byte(at: j) {
            if byte & 0xC0 != 0x80 { column = column &+ 1 }
            j = j &+ 1
        }
        columnMark = (j, column)
        return TOMLPosition(line: line, column: column)
    }

    var position: TOMLPosition {
        mutating get { position(of: index) }
    }

    mutating func error(
        _ code: TOMLError.Code,
        _ message: String,
        at i: Int? = nil,
        fileID: String = #fileID,
        line: Int = #line
    ) -> TOMLError {
        TOMLError(code: code, message: message, position: position(of: i ?? index), fileID: fileID, line: line)
    }

    /// The character at `i` for a message: `'x'`, `U+0000`, `'é'`, or `the end of the document`.
    mutating func describe(at i: Int) -> String {
        guard let first = byte(at: i) else { return "the end of the document" }
        if first == ASCII.lineFeed || first == ASCII.carriageReturn { return "the end of the line" }
        var scalar = UInt32(first)
        if first >= 0x80 {
            // The document is valid UTF-8 by now: decode the scalar for the message.
            let length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : 2
            scalar = UInt32(first) & (0xFF >> (length &+ 1))
            for offset in 1..<length {
                scalar = scalar << 6 | UInt32(byte(at: i &+ offset) ?? 0x80) & 0x3F
            }
        }
        let hex = String(scalar, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        guard let character = Unicode.Scalar(scalar), !ASCII.isControl(first), !(0x80...0x9F).contains(scalar),
            scalar != 0xFEFF
        else { return code }
        return scalar < 0x80 ? "'\(Character(character))'" : "'\(Character(character))' (\(code))"
    }

    // MARK: - Whitespace, comments and line ends

    /// Skips spaces and tabs.
    mutating func skipWhitespace() {
        while let byte = current, byte == ASCII.space || byte == ASCII.tab {
            index = index &+ 1
        }
    }

    /// Skips a comment, if one starts here, up to (not including) its line end.
    mutating func skipComment() throws(TOMLError) {
        guard current == ASCII.hash else { return }
        let count = bytes.count
        var i = index &+ 1
        while i < count {
            let byte = bytes[i]
            if (byte < 0x20 && byte != ASCII.tab) || byte == ASCII.delete { break }
            i = i &+ 1
        }
        index = i
        if let byte = current, byte != ASCII.lineFeed, byte != ASCII.carriageReturn {
            throw error(.syntax, "control character \(describe(at: index)) in a comment")
        }
    }

    /// Consumes a line end (`\n` or `\r\n`), or accepts the end of the document.
    mutating func expectLineEnd(after what: String) throws(TOMLError) {
        guard let byte = current else { return }
        if byte == ASCII.lineFeed {
            index = index &+ 1
        } else if byte == ASCII.carriageReturn && peek(1) == ASCII.lineFeed {
            index = index &+ 2
        } else if byte == ASCII.carriageReturn {
            throw error(.syntax, "a carriage return (U+000D) must be followed by a line feed")
        } else {
            throw error(.syntax, "expected the end of the line after \(what), found \(describe(at: index))")
        }
        startLine(at: index)
    }

    /// Skips whitespace, comments and line ends, as TOML allows between the elements of an array.
    mutating func skipArrayWhitespace() throws(TOMLError) {
        while true {
            skipWhitespace()
            try skipComment()
            guard let byte = current, byte == ASCII.lineFeed || byte == ASCII.carriageReturn else { return }
            try expectLineEnd(after: "the comment")
        }
    }

    // MARK: - Encoding

    /// Refuses a document that is not UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
    mutating func checkEncoding() throws(TOMLError) {
        var i = 0
        let count = bytes.count
        var lineFeeds = 0
        var lastLineStart = 0
        while i < count {
            let first = bytes[i]
            if first < 0x80 {
                if first == ASCII.lineFeed {
                    lineFeeds = lineFeeds &+ 1
                    lastLineStart = i &+ 1
                }
                i = i &+ 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch first {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: throw encodingError(at: i, line: lineFeeds &+ 1, lineStart: lastLineStart)
            }
            for offset in 1..<length {
                guard let next = byte(at: i &+ offset), next >= lower, next <= upper else {
                    throw encodingError(at: i, line: lineFeeds &+ 1, lineStart: lastLineStart)
                }
                lower = 0x80
                upper = 0xBF
            }
            i = i &+ length
        }
    }

    private mutating func encodingError(at i: Int, line: Int, lineStart: Int) -> TOMLError {
        self.line = line
        self.lineStart = lineStart
        columnMark = (lineStart, 1)
        let hex = String(byte(at: i) ?? 0, radix: 16, uppercase: true)
        return error(
            .encoding,
            "invalid UTF-8 (byte 0x\(hex.count < 2 ? "0" + hex : hex)); TOML documents are UTF-8",
            at: i
        )
    }
}
