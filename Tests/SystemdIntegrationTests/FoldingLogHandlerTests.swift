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

    @Test func foldsRepeatedErrorsAndReportsTheCount() {
        let (logger, records) = logger()
        for _ in 0..<5 {
            logger.error("API: connection refused", metadata: ["hostup.event": "api-error"])
        }
        logger.info("synced")
        #expect(records.messages == ["API: connection refused", "previous message repeated 4 times", "synced"])
        let summary = records.all[1]
        #expect(summary.level == .error)
        #expect(summary.metadata == ["hostup.event": "api-error"])
    }

    @Test func aDifferentRecordEndsTheRun() {
        let (logger, records) = logger()
        logger.warning("A")
        logger.warning("A")
        logger.warning("B")
        logger.warning("B")
        logger.warning("B")
        logger.warning("A")
        #expect(
            records.messages == [
                "A", "previous message repeated 1 times", "B", "previous message repeated 2 times", "A",
            ])
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
        logger.error("E")
        logger.error("E")
        logger.error("E")
        try await Task.sleep(for: .milliseconds(150))
        logger.error("E")
        logger.error("E")
        #expect(records.messages == ["E", "previous message repeated 2 times", "E"])
    }

    @Test func countsRepeatsFromManyTasks() async {
        let (logger, records) = logger()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask { logger.error("flood") }
            }
        }
        logger.info("done")
        #expect(records.messages == ["flood", "previous message repeated 199 times", "done"])
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
        #expect(Set(ids).count == 6)
        for id in ids {
            #expect(id.utf8.count == 32)
            #expect(id.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) })
        }
    }
}
