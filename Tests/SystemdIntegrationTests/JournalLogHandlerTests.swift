import Logging
import SystemdIntegration
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct JournalLogHandlerTests {
    private func event(
        _ level: Logger.Level = .info,
        _ message: Logger.Message = "applied",
        metadata: Logger.Metadata? = nil
    ) -> LogEvent {
        LogEvent(
            level: level, message: message, metadata: metadata, source: nil,
            file: "RoutingAgent/PollService.swift", function: "reconcile()", line: 87)
    }

    /// The fields as a dictionary; fails on a repeated name.
    private func fieldMap(_ fields: [String]) -> [String: String] {
        var map: [String: String] = [:]
        for field in fields {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            #expect(parts.count == 2, "\(field) is KEY=value")
            #expect(map[String(parts[0])] == nil, "\(parts[0]) appears once")
            map[String(parts[0])] = parts.count == 2 ? String(parts[1]) : nil
        }
        return map
    }

    @Test(arguments: [
        ("route-applied", Logger.Level.info, "d9b7bc53eee94b5984a320fc41427bc7", "6"),
        ("route-removed", .info, "23c0fc3429f341f5bb2ea35fdf857e83", "6"),
        ("route-refused", .warning, "d475ce3122ab42d6befc86de2345dfd4", "4"),
        ("api-error", .error, "c907ed7cbdf54d52b47691d9cecc10aa", "3"),
        ("kernel-error", .error, "2f15a84241884a0caf4e58dbd70a7eba", "3"),
        ("state-restored", .notice, "3e5e86e154624e85b991d1a56835629c", "5"),
    ])
    func eachEventKindHasItsMessageID(kind: String, level: Logger.Level, id: String, priority: String) {
        var handler = JournalLogHandler(label: "hostup-routed")
        handler[metadataKey: "hostup.vps_id"] = "4711"
        let fields = fieldMap(
            handler.fields(
                for: event(
                    level, "route 2001:db8:1000:10::/64",
                    metadata: [
                        "hostup.event": "\(kind)",
                        "hostup.route_id": "r-17",
                        "hostup.prefix": "2001:db8:1000:10::/64",
                        "hostup.interface": "eth0",
                        "errno": "17",
                    ])))
        #expect(
            fields == [
                "MESSAGE": "route 2001:db8:1000:10::/64",
                "PRIORITY": priority,
                "MESSAGE_ID": id,
                "SYSLOG_IDENTIFIER": "hostup-routed",
                "CODE_FILE": "RoutingAgent/PollService.swift",
                "CODE_LINE": "87",
                "CODE_FUNC": "reconcile()",
                "HOSTUP_EVENT": kind,
                "HOSTUP_VPS_ID": "4711",
                "HOSTUP_ROUTE_ID": "r-17",
                "HOSTUP_PREFIX": "2001:db8:1000:10::/64",
                "HOSTUP_INTERFACE": "eth0",
                "ERRNO": "17",
            ])
        #expect(JournalMessageID(event: kind)?.rawValue == id)
    }

    @Test func fieldsStartWithMessageAndPriority() {
        let fields = JournalLogHandler(label: "x").fields(for: event(.warning, "careful"))
        #expect(
            fields == [
                "MESSAGE=careful", "PRIORITY=4", "SYSLOG_IDENTIFIER=hostup-routed",
                "CODE_FILE=RoutingAgent/PollService.swift", "CODE_LINE=87", "CODE_FUNC=reconcile()",
            ])
    }

    @Test func recordsWithoutAKnownEventHaveNoMessageID() {
        let handler = JournalLogHandler(label: "x", identifier: "other")
        let plain = fieldMap(handler.fields(for: event()))
        #expect(plain["MESSAGE_ID"] == nil)
        #expect(plain["SYSLOG_IDENTIFIER"] == "other")
        let unknown = fieldMap(handler.fields(for: event(metadata: ["hostup.event": "coffee-break"])))
        #expect(unknown["MESSAGE_ID"] == nil)
        #expect(unknown["HOSTUP_EVENT"] == "coffee-break")
    }

    @Test(arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func mapsLevelsToSyslogPriorities(level: Logger.Level, priority: Int) {
        #expect(JournalLogHandler.priority(of: level) == priority)
        #expect(fieldMap(JournalLogHandler(label: "x").fields(for: event(level)))["PRIORITY"] == "\(priority)")
    }

    @Test func keepsNewlinesInMessagesAndValues() {
        let fields = JournalLogHandler(label: "x").fields(
            for: event(.info, "applied 2 operations:\nip -6 route add ...", metadata: ["hostup.prefix": "a\nb"]))
        #expect(fields.contains("MESSAGE=applied 2 operations:\nip -6 route add ..."))
        #expect(fields.contains("HOSTUP_PREFIX=a\nb"))
    }

    /// A route id or label from the API, or a config value, with terminal control codes in it.
    @Test(arguments: [
        ("route \u{1B}[31mred\u{1B}[0m", "route \\x1b[31mred\\x1b[0m"), ("a\rb", "a\\x0db"), ("bell\u{07}", "bell\\x07"),
        ("nul\u{0}", "nul\\x00"), ("del\u{7F}", "del\\x7f"), ("csi\u{9B}", "csi\\x9b"), ("tab\tok", "tab\tok"),
    ])
    func escapesControlCharacters(raw: String, escaped: String) {
        let fields = JournalLogHandler(label: "x").fields(for: event(.warning, "\(raw)", metadata: ["hostup.route_id": "\(raw)"]))
        #expect(fields.contains("MESSAGE=\(escaped)"))
        #expect(fields.contains("HOSTUP_ROUTE_ID=\(escaped)"))
    }

    @Test func skipsKeysThatAreNotJournalFieldNames() {
        let fields = fieldMap(
            JournalLogHandler(label: "x").fields(
                for: event(metadata: [
                    "netlink.errno": "EEXIST",
                    "route-table": "local",
                    "has space": "1",
                    "ünïcode": "1",
                    "_SYSTEMD_UNIT": "forged.service",
                    "9lives": "1",
                    "message": "forged",
                    "priority": "0",
                    "code.line": "1",
                    "": "empty",
                    String(repeating: "k", count: 65): "too long",
                    String(repeating: "k", count: 64): "just fits",
                ])))
        #expect(fields["NETLINK_ERRNO"] == "EEXIST")
        #expect(fields["ROUTE_TABLE"] == "local")
        #expect(fields[String(repeating: "K", count: 64)] == "just fits")
        #expect(fields["MESSAGE"] == "applied")
        #expect(fields["PRIORITY"] == "6")
        #expect(fields["CODE_LINE"] == "87")
        #expect(fields.count == 9)
    }

    @Test func recordMetadataOverridesHandlerMetadataAndProvider() {
        var handler = JournalLogHandler(label: "x")
        handler.metadataProvider = Logger.MetadataProvider { ["hostup.vps_id": "provided", "trace": "t1"] }
        handler.metadata = ["hostup.vps_id": "handler", "hostup.interface": "eth0"]
        let fields = fieldMap(handler.fields(for: event(metadata: ["hostup.interface": "br0"])))
        #expect(fields["HOSTUP_VPS_ID"] == "handler")
        #expect(fields["HOSTUP_INTERFACE"] == "br0")
        #expect(fields["TRACE"] == "t1")
    }

    @Test func recognisesStandardErrorConnectedToTheJournal() {
        var status = stat()
        #expect(fstat(STDERR_FILENO, &status) == 0)
        let device = UInt64(status.st_dev)
        let inode = UInt64(status.st_ino)
        #expect(JournalLogHandler.isStandardErrorJournal(environment: ["JOURNAL_STREAM": "\(device):\(inode)"]))
        #expect(!JournalLogHandler.isStandardErrorJournal(environment: ["JOURNAL_STREAM": "\(device):\(inode + 1)"]))
        #expect(!JournalLogHandler.isStandardErrorJournal(environment: ["JOURNAL_STREAM": "\(device + 1):\(inode)"]))
        #expect(!JournalLogHandler.isStandardErrorJournal(environment: ["JOURNAL_STREAM": "\(device)"]))
        #expect(!JournalLogHandler.isStandardErrorJournal(environment: ["JOURNAL_STREAM": "x:y"]))
        #expect(!JournalLogHandler.isStandardErrorJournal(environment: [:]))
    }
}
