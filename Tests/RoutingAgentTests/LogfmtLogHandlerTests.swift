import Testing

@testable import RoutingAgent

@Suite struct LogfmtLogHandlerTests {
    @Test(arguments: [
        ("plain", "plain"), ("two words", "\"two words\""), ("a=b", "\"a=b\""), ("say \"hi\"", "\"say \\\"hi\\\"\""),
        ("line\nbreak", "\"line\\nbreak\""), ("tab\there", "\"tab\\there\""),
        // Control codes from the API or the config never reach the terminal as such.
        ("\u{1B}[31mred", "\"\\x1b[31mred\""), ("cr\r", "\"cr\\x0d\""), ("nul\u{0}", "\"nul\\x00\""),
        ("del\u{7F}", "\"del\\x7f\""), ("csi\u{9B}", "\"csi\\x9b\""), ("", "\"\""),
    ])
    func quotesAndEscapes(raw: String, quoted: String) {
        #expect(LogfmtLogHandler.quoted(raw) == quoted)
    }

    @Test func commandLineOutputIsTerminalSafe() {
        #expect("route \u{1B}]0;owned\u{07} label".terminalSafe == "route \\x1b]0;owned\\x07 label")
        #expect("two\nlines\tand a tab".terminalSafe == "two\nlines\tand a tab")
        #expect("csi\u{9B}2J del\u{7F}".terminalSafe == "csi\\x9b2J del\\x7f")
        // Bidirectional overrides and isolates reorder what follows; U+2028/U+2029 break the line on some terminals.
        #expect("web\u{202E}cba\u{2066}x\u{2069}\u{200F}".terminalSafe == "web\\u{202e}cba\\u{2066}x\\u{2069}\\u{200f}")
        #expect("a\u{2028}b\u{2029}c".terminalSafe == "a\\u{2028}b\\u{2029}c")
        #expect("ok: ünïcode 🙂 stays".terminalSafe == "ok: ünïcode 🙂 stays")
    }
}
