#if canImport(Glibc)
import Glibc
#endif

/// One writer at a time: an exclusive flock(2) on `lock` in the state directory.
///
/// The daemon holds it for its whole life and writes its pid into the file; `sync` and `cleanup` take it for their
/// run. A command that finds it held reads the holder's pid, so `sync` can ask the daemon to reconcile now
/// (SIGUSR1) instead of writing itself. The kernel drops the lock when the holder exits, even on `kill -9`.
public final class StateLock: Sendable {
    /// `directory/lock`.
    public let path: String
    private let descriptor: Int32

    /// The lock is held by another process.
    public struct Held: Error, Sendable, CustomStringConvertible {
        /// The holder's pid, when it wrote one.
        public var pid: Int32?
        public var description: String {
            "another hostup-routed (\(pid.map { "pid \($0)" } ?? "unknown pid")) holds the state directory's lock"
        }
    }

    /// Takes the lock without waiting and writes this process's pid into the lock file.
    ///
    /// - Throws: ``Held`` when another process holds it; `FileIO.Error` when the file cannot be opened.
    ///
    /// The file is opened through a ``CheckedDirectory``: a `lock` that is a symbolic link, or not a regular file
    /// owned by the directory's owner or root, is refused, so root never writes its pid through a planted link.
    public init(directory: String) throws {
        let checked = try CheckedDirectory(directory, create: true)
        path = checked.path + "/lock"
        let fd = try checked.openFile("lock", flags: O_RDWR | O_CREAT, mode: 0o644)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let saved = errno
            let pid = Self.readPID(fd)
            close(fd)
            if saved == EWOULDBLOCK { throw Held(pid: pid) }
            throw FileIO.Error(path: path, operation: "flock", errno: saved)
        }
        descriptor = fd
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// The pid of the process that holds the lock in `directory`, or `nil` when nobody does (or the directory
    /// or lock file does not exist). Takes nothing and creates nothing.
    ///
    /// - Throws: `FileIO.Error` when the lock file exists but cannot be opened (e.g. permissions).
    public static func holder(directory: String) throws -> Int32? {
        let fd: Int32
        do {
            fd = try CheckedDirectory(directory, create: false).openFile("lock", flags: O_RDONLY)
        } catch let error where error.isNotFound {
            return nil
        }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) != 0 else { return nil }
        return readPID(fd)
    }

    deinit {
        close(descriptor)
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count], as: UTF8.self).filter(\.isNumber))
    }
}
