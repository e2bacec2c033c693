import Logging
import SystemdIntegration
import Testing

struct FoldingLogHandlerTests {
    private func logger(window: Duration = .seconds(60)) -> (Logger, RecordingLogHandler.Records) {
        let recorder = RecordingLogHandler()
        var logger = Logger(label: "test") { _ in FoldingLogHandler(wrapping: recorder, window: window) }
        logger.logLevel = .trace
        return (logger, recorder.records)
    }

    @Test func foldsRepeatsWithinTheWindow() {
        let (logger, records) = logger()
        for _ in 0..<5 {
            logger.error("API: connection refused", metadata: ["hostup.event": "api-error"])
        }
        logger.info("synced")
        #expect(records.messages == ["API: connection refused", "synced"])
    }

    @Test func interleavedRepeatsFoldToo() {
        let (logger, records) = logger()
        for _ in 0..<3 {
            logger.error("ip -6 address add 2001:db8::1/64 dev ctr0: failed")
            logger.error("1 of 1 operations failed")
        }
        #expect(records.messages == ["ip -6 address add 2001:db8::1/64 dev ctr0: failed", "1 of 1 operations failed"])
    }

    @Test func requestIDsDoNotDefeatFolding() {
        let (logger, records) = logger()
        logger.error("API: 500 Internal Server Error\n  request id: req_1")
        logger.error("API: 500 Internal Server Error\n  request id: req_2")
        #expect(records.messages == ["API: 500 Internal Server Error\n  request id: req_1"])
    }

    @Test func neverFoldsBelowWarning() {
        let (logger, records) = logger()
        for _ in 0..<3 { logger.info("poll") }
        for _ in 0..<3 { logger.notice("poll") }
        #expect(records.messages.count == 6)
    }

    @Test func differentLevelOrMetadataIsADifferentRecord() {
        let (logger, records) = logger()
        logger.error("down", metadata: ["hostup.prefix": "2001:db8:1::/64"])
        logger.error("down", metadata: ["hostup.prefix": "2001:db8:2::/64"])
        logger.warning("down", metadata: ["hostup.prefix": "2001:db8:2::/64"])
        logger.warning("down", metadata: ["hostup.prefix": "2001:db8:2::/64"])
        #expect(records.messages == ["down", "down", "down"])
    }

    @Test func writesTheCountWhenTheWindowHasPassed() async throws {
        let (logger, records) = logger(window: .milliseconds(100))
        logger.error("E", metadata: ["hostup.event": "api-error"])
        logger.error("E", metadata: ["hostup.event": "api-error"])
        logger.error("E", metadata: ["hostup.event": "api-error"])
        try await Task.sleep(for: .milliseconds(150))
        logger.error("E", metadata: ["hostup.event": "api-error"])
        logger.error("E", metadata: ["hostup.event": "api-error"])
        #expect(records.messages == ["E", "repeated 2 more times: E", "E"])
        let summary = records.all[1]
        #expect(summary.level == .error)
        #expect(summary.metadata == ["hostup.event": "api-error"])
    }

    @Test func countsRepeatsFromManyTasks() async throws {
        let (logger, records) = logger(window: .seconds(1))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask { logger.error("flood") }
            }
        }
        try await Task.sleep(for: .milliseconds(1200))
        logger.info("done")
        #expect(records.messages == ["flood", "repeated 199 more times: flood", "done"])
    }

    @Test func forwardsLevelAndMetadataToTheWrappedHandler() {
        var handler = FoldingLogHandler(wrapping: RecordingLogHandler())
        handler.logLevel = .warning
        handler[metadataKey: "hostup.vps_id"] = "4711"
        #expect(handler.logLevel == .warning)
        #expect(handler.metadata == ["hostup.vps_id": "4711"])
    }
}

struct CatalogTests {
    private var repositoryRoot: String {
        // <root>/Tests/SystemdIntegrationTests/FoldingLogHandlerTests.swift
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }

    @Test func catalogExplainsEveryMessageID() throws {
        let catalog = try #require(readTextFile(repositoryRoot + "/systemd/hostup-routed.catalog"))
        let entries = catalog.split(separator: "\n-- ").dropFirst()
        #expect(entries.count == JournalMessageID.byEvent.count)
        for (kind, id) in JournalMessageID.byEvent {
            let entry = try #require(entries.first { $0.hasPrefix(id.rawValue + "\n") }, "catalog entry for \(kind)")
            #expect(entry.contains("\nSubject: "))
            #expect(entry.contains("\nDefined-By: hostup-routed\n"))
            #expect(entry.contains("\nDocumentation: man:hostup-routed(8)\n"))
            #expect(entry.contains("\n\n"), "a paragraph after the header")
        }
    }

    @Test func messageIDsAreDistinct128BitHex() {
        let ids = JournalMessageID.byEvent.values.map(\.rawValue)
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.utf8.count == 32)
            #expect(id.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) })
        }
    }
}
