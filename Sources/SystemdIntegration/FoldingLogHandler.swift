import Logging
import Synchronization

/// A log handler that folds repeated warnings and errors into one record and a count.
///
/// A record at warning level or above that repeats one passed on less than `window` ago (same level, message and
/// metadata; lines naming a `request id` are ignored, since every API answer has its own) is not passed on but
/// counted, even when other records came in between, as a failing poll loop interleaves a few messages. Once the
/// window since that record has passed, the next record first passes on one "repeated N more times: ..." with the
/// folded record's level, metadata and source location. Records below warning are never folded. An API that fails
/// every few seconds during an outage thus logs each message about once a window, not thousands of times.
///
/// Copies of a handler share the folding state, which a mutex guards: loggers on any thread may use it. Each copy
/// keeps its own `logLevel` and `metadata`, forwarded to its copy of the wrapped handler.
public struct FoldingLogHandler<Wrapped: LogHandler>: LogHandler {
    private var wrapped: Wrapped
    private let fold: Fold

    /// How long a run of repeats is folded before its count is written.
    public let window: Duration

    /// - Parameters:
    ///   - wrapped: The handler that writes records (journal or standard error).
    ///   - window: How long a run of repeats is folded before its count is written. Defaults to 60 seconds.
    public init(wrapping wrapped: Wrapped, window: Duration = .seconds(60)) {
        self.wrapped = wrapped
        self.fold = Fold()
        self.window = window
    }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        var metadata = wrapped.metadata
        metadata.merge(event.metadata ?? [:]) { _, new in new }
        let message = "\(event.message)"
        let record = Record(
            level: event.level,
            message: message.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.lowercased().contains("request id") }.joined(separator: "\n"),
            metadata: metadata)
        let now = ContinuousClock.now
        fold.state.withLock { state in
            // Counts whose window has passed are written first.
            for (key, entry) in state.entries where now - entry.passedAt >= window {
                if entry.repeats > 0 {
                    let folded = entry.event
                    let firstLine = "\(folded.message)".split(separator: "\n").first.map(String.init) ?? ""
                    wrapped.log(
                        event: LogEvent(
                            level: folded.level,
                            message: "repeated \(entry.repeats) more time\(entry.repeats == 1 ? "" : "s"): \(firstLine)",
                            metadata: folded.metadata,
                            source: folded.source,
                            file: folded.file,
                            function: folded.function,
                            line: folded.line))
                }
                state.entries[key] = nil
            }
            if record.level >= .warning {
                if state.entries[record] != nil {
                    state.entries[record]!.repeats += 1
                    return
                }
                state.entries[record] = Entry(passedAt: now, repeats: 0, event: event)
            }
            wrapped.log(event: event)
        }
    }

    private struct Record: Hashable, Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]

        init(level: Logger.Level, message: String, metadata: Logger.Metadata) {
            self.level = level
            self.message = message
            self.metadata = metadata.mapValues { "\($0)" }
        }
    }

    private struct Entry: Sendable {
        var passedAt: ContinuousClock.Instant
        var repeats: Int
        var event: LogEvent
    }

    private struct State: Sendable {
        var entries: [Record: Entry] = [:]
    }

    private final class Fold: Sendable {
        let state = Mutex(State())
    }
}
