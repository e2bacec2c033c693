import FoundationEssentials
import IPv6Addressing
import Logging
import Synchronization
import Testing

@testable import RoutingAgent

/// Records what is logged, with the logger's metadata merged in.
final class RecordingLogHandler: LogHandler, Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    let entries = Mutex<[Entry]>([])
    private let stored = Mutex<Logger.Metadata>([:])

    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    var metadata: Logger.Metadata {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { stored.withLock { $0[key] } }
        set { stored.withLock { $0[key] = newValue } }
    }

    func log(event: LogEvent) {
        var merged = stored.withLock { $0 }
        merged.merge(event.metadata ?? [:]) { _, new in new }
        let entry = Entry(
            level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" })
        entries.withLock { $0.append(entry) }
    }
}

@Suite struct PollServiceLoggingTests {
    /// The daemon's own entries (the start from the state file, API errors, reloads) carry the VPS id as the
    /// agent's do: the journal's HOSTUP_VPS_ID was missing on them (issue 12).
    @Test func pollServiceEntriesCarryTheVPSID() async throws {
        let directory = temporaryDirectory()
        var state = PersistedState()
        state.vpsID = selfID
        state.routes = [AppliedRoute(id: "r1", prefix: try .init("2001:db8:1000:10::/64"), label: nil)]
        try StateStore(directory: directory).save(state)
        let agent = try Agent(
            configuration: AgentConfiguration(stateDirectory: directory), client: nil, kernel: SysctlKernel(),
            store: StateStore(directory: directory), logger: Logger(label: "agent"),
            localAddresses: { .init(ipv6: [], ipv4: []) }, networkdLinks: directory + "/netif")
        let handler = RecordingLogHandler()
        // A bare Logger.init(label:factory:) handler, whose metadata is the handler's own (`handler` is a class).
        let logger = Logger(label: "poll") { _ in handler }
        let service = PollService(agent: agent, logger: logger)
        let task = Task { try await service.run() }
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline, !handler.entries.withLock({ $0.contains { $0.level == .notice } }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        task.cancel()
        _ = try? await task.value
        let restored = try #require(
            handler.entries.withLock { $0.first { $0.message.hasPrefix("applying the last valid state") } })
        #expect(restored.metadata[LogKeys.vpsID] == selfID)
    }
}
