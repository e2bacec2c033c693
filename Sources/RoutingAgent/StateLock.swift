#if canImport(Glibc)
import Glibc
#endif

/// One writer at a time: an exclusive flock(2) on `lock` in the state directory.
///
/// The daemon holds it for its whole life; `sync` and `cleanup` take it for their run. The holder writes its pid
/// and its role into the file (`1234 run`, `1234 sync`). A command that finds it held reads them, so `sync` can ask
/// a *daemon* to reconcile now (SIGUSR1) instead of writing itself, and waits for another one-shot command
/// instead (SIGUSR1 would end that one). The kernel drops the lock when the holder exits, even on `kill -9`.
public final class StateLock: Sendable {
    /// `directory/lock`.
    public let path: String
    private let descriptor: Int32

    /// The lock is held by another process.
    public struct Held: Error, Sendable, CustomStringConvertible {
        /// The holder's pid, when it wrote one.
        public var pid: Int32?
        /// The holder's role: ``daemonRole`` for `hostup-routed run`, else the command's name; `nil` when unknown.
        public var role: String?
        /// The lock file, as `/proc/locks` names it: `MAJOR:MINOR:INODE` (major and minor in hex).
        var lockFile: String?

        public init(pid: Int32?, role: String? = nil) {
            self.pid = pid
            self.role = role
        }

        public var description: String {
            let who = role.map { $0 == StateLock.daemonRole ? "hostup-routed daemon" : "hostup-routed \($0)" } ?? "hostup-routed"
            return "another \(who) (\(pid.map { "pid \($0)" } ?? "unknown pid")) holds the state directory's lock"
        }

        /// The daemon's pid, when the holder says it is the daemon and the kernel confirms that this very process
        /// holds the lock (its exclusive flock(2) on the lock file, in `/proc/locks`): only then may it be sent
        /// SIGUSR1. A pid written into the file by anyone else, or left by a process that is gone, is not believed.
        public var daemonPID: Int32? {
            guard role == StateLock.daemonRole, let pid, pid > 0, let lockFile,
                let locks = try? FileIO.readText("/proc/locks")
            else { return nil }
            for line in locks.split(separator: "\n") {
                // "1: FLOCK  ADVISORY  WRITE 5668 fe:00:16318985 0 EOF"; waiters have "->" before FLOCK.
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 6, fields[1] == "FLOCK", fields[3] == "WRITE" else { continue }
                if fields[4] == "\(pid)", fields[5] == lockFile { return pid }
            }
            return nil
        }

        /// Whether the holder claims to be the daemon.
        public var claimsDaemon: Bool { role == StateLock.daemonRole }
    }

    /// The role the daemon (`hostup-routed run`) writes into the lock file.
    public static let daemonRole = "run"

    /// Takes the lock without waiting and writes this process's pid into the lock file.
    ///
    /// - Throws: ``Held`` when another process holds it; `FileIO.Error` when the file cannot be opened.
    ///
    /// The file is opened through a ``CheckedDirectory``: a `lock` that is a symbolic link, or not a regular file
    /// owned by the directory's owner or root, is refused, so root never writes its pid through a planted link.
    public init(directory: String, role: String) throws {
        let checked = try CheckedDirectory(directory, create: true)
        path = checked.path + "/lock"
        let fd = try checked.openFile("lock", flags: O_RDWR | O_CREAT, mode: 0o644)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let saved = errno
            let holder = Self.readHolder(fd)
            close(fd)
            if saved == EWOULDBLOCK { throw holder }
            throw FileIO.Error(path: path, operation: "flock", errno: saved)
        }
        descriptor = fd
        let text = Array("\(getpid()) \(role)\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Takes the lock for a one-shot command (`role`), waiting up to `patience` while another one-shot command
    /// holds it.
    ///
    /// - Throws: ``Held`` at once when the daemon holds it (ask the daemon instead), or once `patience` has passed;
    ///   `FileIO.Error` when the file cannot be opened.
    public static func acquire(directory: String, role: String, patience: Duration = .seconds(10)) async throws
        -> StateLock
    {
        let deadline = ContinuousClock.now + patience
        while true {
            do {
                return try StateLock(directory: directory, role: role)
            } catch let held as Held where held.role != daemonRole && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Who holds the lock in `directory`, or `nil` when nobody does (or the directory or lock file does not
    /// exist). Takes nothing and creates nothing.
    ///
    /// - Throws: `FileIO.Error` when the lock file exists but cannot be opened (e.g. permissions).
    public static func holder(directory: String) throws -> Held? {
        let fd: Int32
        do {
            fd = try CheckedDirectory(directory, create: false).openFile("lock", flags: O_RDONLY)
        } catch let error where error.isNotFound {
            return nil
        }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) != 0 else { return nil }
        return readHolder(fd)
    }

    deinit {
        close(descriptor)
    }

    /// Reads `PID ROLE` (or a bare `PID`, as 0.1.0 wrote it).
    private static func readHolder(_ fd: Int32) -> Held {
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return Held(pid: nil) }
        let words = String(decoding: buffer[0..<count], as: UTF8.self).split(whereSeparator: \.isWhitespace)
        let pid = words.first.flatMap { Int32($0) }
        let role = words.count > 1 ? String(words[1]) : nil
        var held = Held(pid: pid, role: role.map { String($0.prefix(32)) })
        var info = stat()
        if fstat(fd, &info) == 0 {
            // The device number's major and minor as the kernel splits them (new_decode_dev()).
            let device = UInt64(info.st_dev)
            let major = ((device >> 8) & 0xFFF) | ((device >> 32) & ~UInt64(0xFFF))
            let minor = (device & 0xFF) | ((device >> 12) & ~UInt64(0xFF))
            func hex(_ value: UInt64) -> String {
                let text = String(value, radix: 16)
                return text.count < 2 ? "0" + text : text
            }
            held.lockFile = "\(hex(major)):\(hex(minor)):\(info.st_ino)"
        }
        return held
    }
}
