import TOMLParsing
import Testing

@Suite struct TOMLTableParsingTests {
    @Test func readsTheConfigShape() throws {
        let table = try TOMLTable(
            parsing: """
                # hostup-routed
                api_url = "https://cloud.hostup.se"   # trailing comment
                "poll_interval" = '30s'

                [[bindings]]
                match = "*"
                split = 64
                forwarding = true

                [[bindings]]
                mode = "anyip"
                """
        )
        #expect(table.keys == ["api_url", "poll_interval", "bindings"])
        #expect(table["api_url"] == .string("https://cloud.hostup.se"))
        #expect(table.entry("poll_interval")?.position == TOMLPosition(line: 3, column: 1))
        let bindings = try #require(table["bindings"]?.array)
        #expect(bindings.count == 2)
        let first = try #require(bindings.first?.table)
        #expect(first.position == TOMLPosition(line: 5, column: 1))
        #expect(first["split"] == .integer(64))
        #expect(first["forwarding"] == .boolean(true))
        #expect(first.entry("forwarding")?.position.line == 8)
        #expect(bindings.last?.table?.position.line == 10)
        #expect(table.entry("bindings")?.position == TOMLPosition(line: 5, column: 3))
    }

    @Test func readsEveryKindOfValue() throws {
        let table = try TOMLTable(
            parsing: #"""
                basic = "tab\there \"quoted\" \u00e9 \U0001F600 back\\slash"
                literal = 'C:\Users\nobody'
                multi = """
                one \
                   two
                three""\""""
                raw = '''
                a 'b' \n'''
                decimal = -9_223_372_036_854_775_808
                hex = 0x7FFF_FFFF_FFFF_FFFF
                octal = 0o755
                binary = 0b1010
                float = 6.626e-34
                special = [inf, -inf, +inf]
                negative_zero = -0.0
                boolean = false
                offset = 1979-05-27T00:32:00.999999-07:00
                local = 1979-05-27 07:32:00
                date = 1979-05-27
                time = 07:32:00.5
                nested = [[1, 2], ["a"], [], [{ x = 1 }],]
                inline = { a.b = 1, c = "d" }
                dotted.key."with dots" = true
                """#
        )
        #expect(table["basic"] == .string("tab\there \"quoted\" é 😀 back\\slash"))
        #expect(table["literal"] == .string(#"C:\Users\nobody"#))
        #expect(table["multi"] == .string("one two\nthree\"\"\""))
        #expect(table["raw"] == .string("a 'b' \\n"))
        #expect(table["decimal"] == .integer(.min))
        #expect(table["hex"] == .integer(.max))
        #expect(table["octal"] == .integer(0o755))
        #expect(table["binary"] == .integer(10))
        #expect(table["float"] == .float(6.626e-34))
        #expect(table["special"] == .array([.float(.infinity), .float(-.infinity), .float(.infinity)]))
        guard case .float(let zero) = table["negative_zero"] else {
            Issue.record("not a float")
            return
        }
        #expect(zero == 0 && zero.sign == .minus)
        #expect(table["boolean"] == .boolean(false))
        #expect(
            table["offset"]
                == .dateTime(
                    TOMLDateTime(
                        date: .init(year: 1979, month: 5, day: 27),
                        time: .init(hour: 0, minute: 32, second: 0, nanosecond: 999_999_000),
                        utcOffsetMinutes: -420
                    )
                )
        )
        #expect(table["local"].map { "\($0)" } == "dateTime(1979-05-27T07:32:00)")
        #expect(table["date"] == .dateTime(TOMLDateTime("1979-05-27")!))
        #expect(table["time"] == .dateTime(TOMLDateTime("07:32:00.500")!))
        let nested = try #require(table["nested"]?.array)
        #expect(nested.count == 4)
        #expect(nested.first == .array([.integer(1), .integer(2)]))
        #expect(nested.dropFirst(2).first == .array([]))
        #expect(nested.last?.array?.first?.table?["x"] == .integer(1))
        #expect(table["inline"]?.table?["a"]?.table?["b"] == .integer(1))
        #expect(table["dotted"]?.table?["key"]?.table?["with dots"] == .boolean(true))
    }

    @Test func normalisesLineEndsInMultilineStrings() throws {
        let table = try TOMLTable(parsing: "a = \"\"\"\r\none\r\ntwo\"\"\"\r\nb = '''x\r\ny'''\r\n")
        #expect(table["a"] == .string("one\ntwo"))
        #expect(table["b"] == .string("x\ny"))
        #expect(table.entry("b")?.position.line == 4)
    }

    @Test func skipsAByteOrderMark() throws {
        #expect(try TOMLTable(parsing: [0xEF, 0xBB, 0xBF] + Array("a = 1".utf8))["a"] == .integer(1))
    }

    @Test func keepsPositionsAcrossMultilineValues() throws {
        let table = try TOMLTable(
            parsing: """
                a = [
                  1, # one
                  2,
                ]
                b = \"\"\"
                x
                \"\"\"
                  c = { d = 'é', e = 1 }
                """
        )
        #expect(table.entry("b")?.position == TOMLPosition(line: 5, column: 1))
        #expect(table.entry("c")?.position == TOMLPosition(line: 8, column: 3))
        #expect(table["c"]?.table?.entry("e")?.position == TOMLPosition(line: 8, column: 18))
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var text: [UInt8]
        var code: TOMLError.Code
        var line: Int
        var column: Int?
        var mentions: String
        var testDescription: String { name }

        init(
            _ name: String,
            _ text: String,
            _ code: TOMLError.Code,
            line: Int,
            column: Int? = nil,
            mentions: String = ""
        ) {
            self.init(name, Array(text.utf8), code, line: line, column: column, mentions: mentions)
        }

        init(
            _ name: String,
            _ text: [UInt8],
            _ code: TOMLError.Code,
            line: Int,
            column: Int? = nil,
            mentions: String = ""
        ) {
            self.name = name
            self.text = text
            self.code = code
            self.line = line
            self.column = column
            self.mentions = mentions
        }
    }

    static let refusals: [Refusal] = [
        Refusal("[[[x]]", "a = 1\n[[[x]]\n", .syntax, line: 2, column: 3, mentions: "[[array of tables]]"),
        Refusal("[[x]", "[[x]\n", .syntax, line: 1, column: 5, mentions: "']]'"),
        Refusal("[x", "\n[x", .syntax, line: 2, column: 3, mentions: "']'"),
        Refusal("a = [", "a = [", .syntax, line: 1, column: 5, mentions: "never closed"),
        Refusal("unterminated \\u", "a = \"\\u", .syntax, line: 1, column: 6, mentions: "4 hexadecimal digits"),
        Refusal(
            "surrogate escape",
            "a = \"\\uD800\"",
            .invalidValue,
            line: 1,
            column: 6,
            mentions: "not a Unicode scalar"
        ),
        Refusal(
            "escape past U+10FFFF",
            "a = \"\\U00110000\"",
            .invalidValue,
            line: 1,
            mentions: "not a Unicode scalar"
        ),
        Refusal("unknown escape", "a = \"\\e\"", .syntax, line: 1, column: 6, mentions: "invalid escape"),
        Refusal(
            "NUL byte in a string",
            [0x61, 0x3D, 0x22, 0x00, 0x22],
            .syntax,
            line: 1,
            column: 4,
            mentions: "U+0000"
        ),
        Refusal("NUL byte as a key", [0x0A, 0x00], .syntax, line: 2, column: 1, mentions: "U+0000"),
        Refusal("NUL byte in a comment", Array("a = 1 # x\0".utf8), .syntax, line: 1, column: 10, mentions: "comment"),
        Refusal("invalid UTF-8", [0x0A, 0x61, 0x3D, 0x22, 0xC3, 0x28, 0x22], .encoding, line: 2, column: 4),
        Refusal("overlong UTF-8", Array("a = \"".utf8) + [0xC0, 0xAF, 0x22], .encoding, line: 1, column: 6),
        Refusal("UTF-8 surrogate", Array("a = \"".utf8) + [0xED, 0xA0, 0x80, 0x22], .encoding, line: 1),
        Refusal("truncated UTF-8", Array("a = \"é".utf8.dropLast()), .encoding, line: 1, column: 6),
        Refusal("bare carriage return", "a = 1\r", .syntax, line: 1, column: 6, mentions: "carriage return"),
        Refusal("duplicate key", "a = 1\nb = 2\na = 3", .redefinition, line: 3, column: 1, mentions: "line 1"),
        Refusal("table defined twice", "[t]\n[t]", .redefinition, line: 2, column: 2, mentions: "line 1"),
        Refusal("table after array of tables", "[[t]]\n[t]", .redefinition, line: 2, mentions: "array of tables"),
        Refusal("array of tables after table", "[t]\n[[t]]", .redefinition, line: 2, mentions: "already a table"),
        Refusal("header over a dotted table", "a.b = 1\n[a]", .redefinition, line: 2, mentions: "dotted"),
        Refusal("dotted key into a header table", "[a.b]\n[a]\nb.c = 1", .redefinition, line: 3),
        Refusal(
            "header for a table a dotted key claimed",
            "[a.b.c]\n[a]\nb.d = 1\n[a.b]",
            .redefinition,
            line: 4,
            mentions: "dotted keys at line 3"
        ),
        Refusal("extending an inline table", "a = {}\n[a.b]", .redefinition, line: 2, mentions: "inline table"),
        Refusal("extending a value", "a = 1\na.b = 2", .redefinition, line: 2, mentions: "an integer"),
        Refusal("integer overflow", "a = 9223372036854775808", .invalidValue, line: 1, column: 5, mentions: "64-bit"),
        Refusal("negative overflow", "a = -9223372036854775809", .invalidValue, line: 1, mentions: "64-bit"),
        Refusal("hex overflow", "a = 0x8000000000000000", .invalidValue, line: 1, mentions: "64-bit"),
        Refusal("leading zero", "a = 01", .syntax, line: 1, mentions: "leading zeros"),
        Refusal("February 30", "a = 2021-02-30", .invalidValue, line: 1, mentions: "no day 30"),
        Refusal("hour 24", "a = 24:00:00", .invalidValue, line: 1, mentions: "hour 24"),
        Refusal("time without seconds", "a = 07:32", .syntax, line: 1, mentions: "seconds"),
        Refusal("newline in an inline table", "a = { b = 1,\nc = 2 }", .syntax, line: 1, mentions: "inline table"),
        Refusal("trailing comma in an inline table", "a = { b = 1, }", .syntax, line: 1, mentions: "trailing comma"),
        Refusal("value on the next line", "a =\n1", .syntax, line: 1, column: 4, mentions: "same line"),
        Refusal("two statements on a line", "a = 1 b = 2", .syntax, line: 1, column: 7, mentions: "end of the line"),
        Refusal(
            "unterminated multi-line string",
            "\n\na = \"\"\"\nxyz\n\n",
            .syntax,
            line: 3,
            column: 5,
            mentions: "never closed"
        ),
        Refusal("multi-line key", "\"\"\"a\"\"\" = 1", .syntax, line: 1, mentions: "multi-line"),
        Refusal("only a key", "key", .syntax, line: 1, column: 4, mentions: "'='"),
        Refusal("TOML 1.1 escape", "a = \"\\x41\"", .syntax, line: 1, mentions: "invalid escape"),
    ]

    @Test(arguments: refusals)
    func refusesWithItsPosition(_ refusal: Refusal) throws {
        #expect {
            try TOMLTable(parsing: refusal.text)
        } throws: { error in
            guard let error = error as? TOMLError else { return false }
            #expect(error.code == refusal.code, "\(error)")
            #expect(error.position.line == refusal.line, "\(error)")
            if let column = refusal.column { #expect(error.position.column == column, "\(error)") }
            #expect(error.message.contains(refusal.mentions), "\(error)")
            #expect("\(error)".hasPrefix("line \(refusal.line), column \(error.position.column): "))
            return true
        }
    }

    @Test(arguments: [
        ("10000 nested arrays", "a = " + String(repeating: "[", count: 10_000)),
        (
            "10000 closed nested arrays",
            "a = " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        ),
        ("10000 nested inline tables", "a = " + String(repeating: "{b=", count: 10_000)),
        ("a 10000-part dotted key", String(repeating: "a.", count: 10_000) + "a = 1"),
        ("a 10000-part header", "[" + String(repeating: "a.", count: 10_000) + "a]"),
    ])
    func refusesDeepNestingWithoutRecursingIntoIt(_ name: String, _ text: String) {
        #expect {
            try TOMLTable(parsing: text)
        } throws: { error in
            (error as? TOMLError)?.code == .unsupported && (error as? TOMLError)?.position.line == 1
        }
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let depth = 20
        let text = "a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        // The innermost array sits inside the document and 19 arrays: depth 20.
        _ = try TOMLTable(parsing: text, maximumDepth: depth)
        #expect(throws: TOMLError.self) { try TOMLTable(parsing: text, maximumDepth: depth - 1) }
    }

    @Test func readsAMegabyteLineInLinearTime() throws {
        let big = String(repeating: "x", count: 1 << 20)
        let table = try TOMLTable(parsing: "a = 1\nb = \"\(big)\"\nc = 2")
        #expect(table["b"]?.string?.utf8.count == 1 << 20)
        #expect(table.entry("c")?.position.line == 3)

        // Positions along one long line: each key's column is counted on from the previous one, not from the start.
        let keys = (0..<5000).map { "k\($0) = 'é\($0)'" }.joined(separator: ", ")
        let inline = try TOMLTable(parsing: "t = { \(keys) }")
        #expect(inline["t"]?.table?.count == 5000)
        #expect(
            inline["t"]?.table?.entry("k4999")?.position.column == 7 + keys.unicodeScalars.count
                - "k4999 = 'é4999'".count
        )

        #expect {
            try TOMLTable(parsing: "a = \"" + big)
        } throws: { error in
            (error as? TOMLError)?.position == TOMLPosition(line: 1, column: 5)
        }
    }

    @Test func neverTrapsOnAnyPrefixOfADocument() {
        let document = Array(
            #"""
            a = "x\u00e9\U0001F600" # c
            b = [1, 0x1F, 1e3, inf, 'y', """z""", '''w''', { c.d = 2 }, 1979-05-27T07:32:00.5+01:00]
            [[t."u"]]
            v = 07:32:00
            """#.utf8
        )
        for end in 0...document.count {
            _ = try? TOMLTable(parsing: document[0..<end])
        }
    }
}
