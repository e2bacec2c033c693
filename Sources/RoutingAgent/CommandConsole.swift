#if canImport(Glibc)
import Glibc
#endif

/// Where a command's words go and where its confirmation comes from: the process's terminal
/// (``TerminalConsole``), or a test's record.
public protocol CommandConsole: Sendable {
    /// Writes one line of the command's result to standard output.
    func say(_ line: String)
    /// Writes one line (a problem, a warning, progress) to standard error, prefixed `hostup-routed: `.
    func warn(_ line: String)
    /// Asks `question` followed by ` [y/N] ` and returns the line answered, without its newline; `nil` at the end
    /// of input. Called only when ``isInteractive``.
    func ask(_ question: String) -> String?
    /// Whether someone can answer a question: standard input is a terminal (isatty(3)).
    var isInteractive: Bool { get }
}

/// How a command ended, as its exit status (`hostup-routed --help`, "EXIT STATUS").
public enum CommandExit: Int32, Sendable, Equatable {
    /// Some kernel operation failed (the rest were applied).
    case kernel = 1
    /// The API refused or answered badly: an HTTP error status, an undecodable or invalid answer, a closed gate.
    case api = 2
    /// The API could not be reached: DNS, connect, TLS, timeout, dropped connection.
    case transport = 3
    /// Bad usage, including a local refusal before anything was sent and a confirmation not given.
    case usage = 64
    /// Another hostup-routed holds the state directory (EX_TEMPFAIL).
    case busy = 75
    /// The configuration, the token or the state file is unusable (EX_CONFIG).
    case config = 78
}

/// A command failed after saying why on its console; `exit` is its exit status.
public struct CommandFailure: Error, Sendable, Equatable {
    public var exit: CommandExit

    public init(_ exit: CommandExit) {
        self.exit = exit
    }
}

/// The process's own console: lines to file descriptors 1 and 2 with control characters from API and config
/// strings escaped (``Swift/String/terminalSafe``), questions read from file descriptor 0 when it is a terminal.
public struct TerminalConsole: CommandConsole {
    /// The console of this process: standard input, output and error.
    public static let standard = TerminalConsole(input: STDIN_FILENO, output: STDOUT_FILENO, error: STDERR_FILENO)

    let input: Int32
    let output: Int32
    let error: Int32

    /// A console over three open file descriptors (a test's pseudo-terminal); they stay open.
    public init(input: Int32, output: Int32, error: Int32) {
        self.input = input
        self.output = output
        self.error = error
    }

    public func say(_ line: String) {
        Self.write(line.terminalSafe + "\n", to: output)
    }

    public func warn(_ line: String) {
        Self.write("hostup-routed: \(line.terminalSafe)\n", to: error)
    }

    public var isInteractive: Bool { isatty(input) == 1 }

    /// The prompt goes to standard error (standard output stays the command's result); the answer is read a byte
    /// at a time, so nothing after its newline is consumed.
    public func ask(_ question: String) -> String? {
        Self.write("\(question.terminalSafe) [y/N] ", to: error)
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(input, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                // End of input (Ctrl-D): the terminal echoed no newline; what is said next starts on its own line.
                Self.write("\n", to: error)
                return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }

    /// One write(2) per call, so lines from several threads do not interleave.
    static func write(_ string: String, to descriptor: Int32) {
        var bytes = Array(string.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { break }
            bytes = bytes.dropFirst(written)
        }
    }
}
