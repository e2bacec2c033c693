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
}
