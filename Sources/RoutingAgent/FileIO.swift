#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Small POSIX file helpers, so the agent needs no full Foundation.
package enum FileIO {
    /// A failed file operation: the path, the call and `errno`.
    package struct Error: Swift.Error, Sendable, CustomStringConvertible {
        package var path: String
        package var operation: String
        package var errno: Int32

        package var description: String {
            "\(path): \(operation): \(String(cString: strerror(errno)))"
        }

        /// `true` when the file does not exist (`ENOENT`).
        package var isNotFound: Bool { errno == ENOENT }
    }

    /// Reads a whole file. open(2), read(2).
    package static func read(_ path: String, limit: Int = 4 << 20) throws(FileIO.Error) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Error(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Error(path: path, operation: "read", errno: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit { throw Error(path: path, operation: "read", errno: EFBIG) }
        }
        return bytes
    }

    /// Reads a whole file as UTF-8 text.
    package static func readText(_ path: String) throws(FileIO.Error) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Replaces `path` atomically: writes `path.tmp`, fsync(2)s it, rename(2)s it over `path`, fsyncs the directory.
    ///
    /// A crash leaves either the old file or the new one, never a torn one.
    package static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(FileIO.Error) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Error(path: temporary, operation: "open", errno: errno) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let saved = errno
                close(fd)
                throw Error(path: temporary, operation: "write", errno: saved)
            }
            offset += written
        }
        if fsync(fd) != 0 {
            let saved = errno
            close(fd)
            throw Error(path: temporary, operation: "fsync", errno: saved)
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw Error(path: path, operation: "rename", errno: errno) }
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Creates a directory and its parents (mkdir -p), mode 0755.
    package static func makeDirectory(_ path: String) throws(FileIO.Error) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw Error(path: current, operation: "mkdir", errno: errno)
            }
        }
    }

    /// Gives `path` the owner and group of `directory` when root writes into a directory someone else owns.
    ///
    /// - Important: The service runs as a dynamic user (`DynamicUser=yes`) that owns the state directory. A
    ///   `sync` or `cleanup` run by hand as root must not leave files that user cannot open again. chown(2).
    package static func matchOwner(of path: String, to directory: String) {
        guard getuid() == 0 else { return }
        var info = stat()
        guard stat(directory, &info) == 0, info.st_uid != 0 else { return }
        _ = chown(path, info.st_uid, info.st_gid)
    }

    /// The owner, mode and type of a file. stat(2).
    package static func status(_ path: String) throws(FileIO.Error) -> (owner: uid_t, mode: mode_t) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw Error(path: path, operation: "stat", errno: errno) }
        return (info.st_uid, info.st_mode)
    }
}
