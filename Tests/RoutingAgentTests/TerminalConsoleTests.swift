#if canImport(Glibc)
import Glibc
#endif
import Testing

@testable import RoutingAgent

/// The process's console over real file descriptors: a pseudo-terminal (posix_openpt(3)) for the confirmation, pipes
/// for the output.
@Suite struct TerminalConsoleTests {
    /// A pipe's two ends, closed by `close()`.
    struct Pipe {
        let read: Int32
        let write: Int32

        init() throws {
            var ends: [Int32] = [-1, -1]
            try #require(pipe(&ends) == 0)
            read = ends[0]
            write = ends[1]
        }

        /// What was written so far (the write end is closed first).
        func drain() -> String {
            Glibc.close(write)
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = Glibc.read(read, &buffer, buffer.count)
                if count <= 0 { break }
                bytes += buffer[..<count]
            }
            Glibc.close(read)
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// A pseudo-terminal (pty(7)): the controlling side (`main`, from /dev/ptmx) and the terminal a command sees
    /// (`terminal`, /dev/pts/N).
    struct PseudoTerminal {
        /// TIOCSPTLCK and TIOCGPTN (asm-generic/ioctls.h): unlock the terminal, get its number. What unlockpt(3)
        /// and ptsname(3) do; those are not visible through the Glibc module.
        static let setLock: UInt = 0x4004_5431
        static let getNumber: UInt = 0x8004_5430

        let main: Int32
        let terminal: Int32

        init() throws {
            main = open("/dev/ptmx", O_RDWR | O_NOCTTY)
            try #require(main >= 0, "cannot open /dev/ptmx: errno \(errno)")
            var unlock: Int32 = 0
            var number: Int32 = -1
            try #require(ioctl(main, Self.setLock, &unlock) == 0 && ioctl(main, Self.getNumber, &number) == 0)
            terminal = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
            try #require(terminal >= 0, "cannot open /dev/pts/\(number): errno \(errno)")
        }

        func type(_ text: String) {
            TerminalConsole.write(text, to: main)
        }

        /// What the terminal showed, read without blocking.
        func screen() -> String {
            _ = fcntl(main, F_SETFL, fcntl(main, F_GETFL) | O_NONBLOCK)
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(main, &buffer, buffer.count)
                if count <= 0 { break }
                bytes += buffer[..<count]
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        func close() {
            Glibc.close(terminal)
            Glibc.close(main)
        }
    }

    @Test func onATerminalTheQuestionIsAskedAndTheAnswerRead() throws {
        let tty = try PseudoTerminal()
        defer { tty.close() }
        let output = try Pipe()
        let console = TerminalConsole(input: tty.terminal, output: output.write, error: tty.terminal)
        #expect(console.isInteractive)
        tty.type("y\nsecond line\n")
        #expect(console.ask("delete route r1 (2001:db8::/64 -> vps_1)?") == "y")
        #expect(console.ask("again?") == "second line", "one line per question: nothing after the newline is consumed")
        #expect(tty.screen().contains("delete route r1 (2001:db8::/64 -> vps_1)? [y/N] "))
        #expect(output.drain().isEmpty, "the prompt is not on standard output")
    }

    @Test func offATerminalNobodyIsAsked() throws {
        let input = try Pipe()
        defer { Glibc.close(input.write); Glibc.close(input.read) }
        let console = TerminalConsole(input: input.read, output: STDOUT_FILENO, error: STDERR_FILENO)
        #expect(!console.isInteractive)
    }

    @Test func theEndOfInputIsNoAnswer() throws {
        let input = try Pipe()
        let error = try Pipe()
        TerminalConsole.write("n", to: input.write)
        Glibc.close(input.write)
        let console = TerminalConsole(input: input.read, output: STDOUT_FILENO, error: error.write)
        #expect(console.ask("release?") == "n", "a last line without its newline is still the answer")
        #expect(console.ask("release?") == nil)
        Glibc.close(input.read)
        #expect(error.drain() == "release? [y/N] \nrelease? [y/N] \n", "after the end of input, a new line")
    }

    /// API and config strings cannot drive the reader's terminal: control characters are written as `\xNN`; lines
    /// go to their own descriptor, errors prefixed.
    @Test func controlCharactersAreWrittenEscaped() throws {
        let output = try Pipe()
        let error = try Pipe()
        let console = TerminalConsole(input: STDIN_FILENO, output: output.write, error: error.write)
        console.say("route ripv6rt_\u{1B}[31mred\u{07}\nnext\tline")
        console.warn("label \u{9B}x")
        #expect(output.drain() == "route ripv6rt_\\x1b[31mred\\x07\nnext\tline\n")
        #expect(error.drain() == "hostup-routed: label \\x9bx\n")
    }
}
