import Logging
import Synchronization

/// A log handler that folds runs of identical warnings and errors into one record and a count.
///
/// Records at warning level or above that repeat the previous record (same level, message and metadata) are not
/// passed on but counted. Before the next different record, or before the next repeat once `window` has passed
/// since the last record passed on, one record "previous message repeated N times" is passed on, with the level,
/// metadata and source location of the folded record (as syslogd does). Records below warning are never folded.
/// An API that fails every few seconds during an outage thus logs about once a window, not thousands of times.
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
        let record = Record(level: event.level, message: "\(event.message)", metadata: metadata)
        let now = ContinuousClock.now
        fold.state.withLock { state in
            if record.level >= .warning, record == state.last, now - state.lastPassedAt < window {
                state.repeats += 1
                return
            }
            if state.repeats > 0, let folded = state.lastEvent {
                wrapped.log(
                    event: LogEvent(
                        level: folded.level,
                        message: "previous message repeated \(state.repeats) times",
                        metadata: folded.metadata,
                        source: folded.source,
                        file: folded.file,
                        function: folded.function,
                        line: folded.line))
            }
            wrapped.log(event: event)
            state.repeats = 0
            if record.level >= .warning {
                state.last = record
                state.lastEvent = event
                state.lastPassedAt = now
            } else {
                state.last = nil
                state.lastEvent = nil
            }
        }
    }

    private struct Record: Equatable, Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private struct State: Sendable {
        var last: Record?
        var lastEvent: LogEvent?
        var lastPassedAt = ContinuousClock.now
        var repeats = 0
    }

    private final class Fold: Sendable {
        let state = Mutex(State())
    }
}
