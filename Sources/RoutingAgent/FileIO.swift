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
        /// Why the file was refused, when that is not `errno`'s text.
        package var detail: String?

        package init(path: String, operation: String, errno: Int32, detail: String? = nil) {
            self.path = path
            self.operation = operation
            self.errno = errno
            self.detail = detail
        }

        package var description: String {
            "\(path): \(operation): \(detail ?? String(cString: strerror(errno)))"
        }

        /// `true` when the file does not exist (`ENOENT`).
        package var isNotFound: Bool { errno == ENOENT }
    }

    /// Reads a whole file. open(2), read(2).
    ///
    /// Only a regular file is read: a FIFO (whose open and read would block until a writer comes), a device or a
    /// directory given as a config, token or state path is refused at once (`O_NONBLOCK` on the open, fstat(2)).
    package static func read(_ path: String, limit: Int = 4 << 20) throws(FileIO.Error) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw Error(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Error(path: path, operation: "fstat", errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw Error(path: path, operation: "open", errno: EINVAL, detail: "not a regular file")
        }
        return try readAll(fd, path: path, limit: limit)
    }

    /// Reads `fd` to its end (at most `limit` bytes). read(2), retried on `EINTR`.
    static func readAll(_ fd: Int32, path: String, limit: Int) throws(FileIO.Error) -> [UInt8] {
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

    /// Writes all of `bytes` to `fd`, then fsync(2)s it unless `sync` is off; closes `fd` either way. write(2),
    /// retried on `EINTR`.
    static func writeAllAndClose(_ fd: Int32, _ bytes: [UInt8], path: String, sync: Bool = true) throws(FileIO.Error) {
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw Error(path: path, operation: "write", errno: errno)
            }
            offset += written
        }
        if sync, fsync(fd) != 0 { throw Error(path: path, operation: "fsync", errno: errno) }
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
        try writeAllAndClose(fd, bytes, path: temporary)
        guard rename(temporary, path) == 0 else { throw Error(path: path, operation: "rename", errno: errno) }
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Replaces `name` in `directory` for readers atomically, a file that is written and never read back: unlinks a
    /// stale `name.tmp`, creates it afresh (openat(2) with `O_EXCL|O_NOFOLLOW`, so a link planted under that name is
    /// neither followed nor written through), gives it `mode` by fchmod(2) whatever the umask, writes it and
    /// renameat(2)s it over `name` (which replaces a link there, never its target). Nothing is fsync'd.
    ///
    /// Unlike ``CheckedDirectory``, the directory may be writable by its group and files in it may belong to anyone:
    /// it is meant for a directory shared through a group, such as the metrics textfile's.
    package static func replace(
        _ name: String, in directory: String, with bytes: [UInt8], mode: mode_t
    ) throws(FileIO.Error) {
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else { throw Error(path: directory, operation: "open", errno: errno) }
        defer { close(directoryFD) }
        let temporary = name + ".tmp"
        let temporaryPath = directory + "/" + temporary
        if unlinkat(directoryFD, temporary, 0) != 0, errno != ENOENT {
            throw Error(path: temporaryPath, operation: "unlink", errno: errno)
        }
        let fd = openat(directoryFD, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Error(path: temporaryPath, operation: "open", errno: errno) }
        guard fchmod(fd, mode) == 0 else {
            let saved = errno
            close(fd)
            throw Error(path: temporaryPath, operation: "fchmod", errno: saved)
        }
        try writeAllAndClose(fd, bytes, path: temporaryPath, sync: false)
        guard renameat(directoryFD, temporary, directoryFD, name) == 0 else {
            throw Error(path: directory + "/" + name, operation: "rename", errno: errno)
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

    /// The owner, mode and type of a file. stat(2).
    package static func status(_ path: String) throws(FileIO.Error) -> (owner: uid_t, mode: mode_t) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw Error(path: path, operation: "stat", errno: errno) }
        return (info.st_uid, info.st_mode)
    }

    /// What lstat(2) says of a name, without following a link.
    package struct LinkStatus: Equatable, Sendable {
        /// Type and permission bits (`st_mode`).
        package var mode: UInt32
        package var device: UInt64
        package var inode: UInt64
        /// In bytes.
        package var size: Int64
        /// The modification time (`st_mtim`) as its bytes: only compared, and a `timespec`'s fields are declared by
        /// more than one C module (which one a build picks varies, and MemberImportVisibility then refuses them).
        package var modified: [UInt8]
    }

    /// lstat(2) of `path`; `nil` when there is nothing under the name (or it cannot be looked at).
    package static func linkStatus(_ path: String) -> LinkStatus? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return LinkStatus(
            mode: UInt32(info.st_mode), device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modified: withUnsafeBytes(of: info.st_mtim) { Array($0) })
    }
}

/// A directory opened once by its resolved path, whose files are then opened relative to it, never through a
/// symbolic link, and only when they are regular files owned by the directory's owner or root.
///
/// - Important: The state directory belongs to the service's user (`DynamicUser=` makes
///   `/var/lib/hostup-routed` a symlink into `/var/lib/private/`, owned by that user), while `cleanup` and `sync`
///   run as root. Whoever owns the directory can plant links in it: a `lock` that points at `/etc/shadow` must not
///   make root write a pid into that file, or chown it. So the path is resolved once (realpath(3)), the directory
///   opened with `O_DIRECTORY|O_NOFOLLOW`, every file opened with openat(2) and `O_NOFOLLOW`, checked by fstat(2),
///   and handed to the directory's owner with fchown(2) on the descriptor, never by path.
package final class CheckedDirectory {
    /// The resolved path.
    package let path: String
    /// The directory's descriptor.
    package let descriptor: Int32
    /// The directory's owner and group, which files written into it get when root writes them.
    package let owner: uid_t
    package let group: gid_t

    /// Opens `path`, creating it (mode 0755) first when `create` is set.
    ///
    /// - Throws: `FileIO.Error` when it does not exist (and is not created), is not a directory, or is writable by
    ///   anyone but its owner.
    package init(_ path: String, create: Bool) throws(FileIO.Error) {
        if create { try FileIO.makeDirectory(path) }
        guard let resolved = realpath(path, nil) else {
            throw FileIO.Error(path: path, operation: "realpath", errno: errno)
        }
        self.path = String(cString: resolved)
        free(resolved)
        let fd = open(self.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw FileIO.Error(path: self.path, operation: "open", errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let saved = errno
            close(fd)
            throw FileIO.Error(path: self.path, operation: "fstat", errno: saved)
        }
        guard info.st_mode & 0o022 == 0 else {
            close(fd)
            throw FileIO.Error(
                path: self.path, operation: "open", errno: EPERM,
                detail: "refusing a state directory that others may write to (mode 0\(String(info.st_mode & 0o7777, radix: 8)))")
        }
        descriptor = fd
        owner = info.st_uid
        group = info.st_gid
    }

    deinit {
        close(descriptor)
    }

    /// Opens `name` in the directory with `flags` (plus `O_NOFOLLOW|O_CLOEXEC`); `mode` when it is created.
    ///
    /// - Throws: `FileIO.Error`: `ELOOP` for a symbolic link; a refusal when it is not a regular file, has more than
    ///   one hard link, or is owned by someone other than the directory's owner and root.
    package func openFile(_ name: String, flags: Int32, mode: mode_t = 0o600) throws(FileIO.Error) -> Int32 {
        // O_NONBLOCK: a FIFO planted under the name must not block the open (it has no effect on regular files).
        let fd = openat(descriptor, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode)
        guard fd >= 0 else {
            let saved = errno
            throw FileIO.Error(
                path: path + "/" + name, operation: "open", errno: saved,
                detail: saved == ELOOP ? "it is a symbolic link, which is refused (never followed)" : nil)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let saved = errno
            close(fd)
            throw FileIO.Error(path: path + "/" + name, operation: "fstat", errno: saved)
        }
        // A second hard link would make the file something else too (with fs.protected_hardlinks=0 the
        // directory's owner could link any file in).
        guard info.st_mode & S_IFMT == S_IFREG, info.st_uid == owner || info.st_uid == 0, info.st_nlink == 1 else {
            close(fd)
            throw FileIO.Error(
                path: path + "/" + name, operation: "open", errno: EPERM,
                detail: "refusing: not a regular file with one link, owned by uid \(owner) or root")
        }
        // Files root writes into the service's directory stay the service's (it must open them again).
        if getuid() == 0, owner != 0, info.st_uid == 0 {
            _ = fchown(fd, owner, group)
        }
        return fd
    }

    /// Reads the whole of `name`.
    package func read(_ name: String, limit: Int = 4 << 20) throws(FileIO.Error) -> [UInt8] {
        let fd = try openFile(name, flags: O_RDONLY)
        defer { close(fd) }
        return try FileIO.readAll(fd, path: path + "/" + name, limit: limit)
    }

    /// Replaces `name` atomically: writes a fresh `name.tmp` (whatever was there is unlinked first, and the new
    /// one is created with `O_EXCL`), fsync(2)s it, renameat(2)s it over `name`, fsyncs the directory. With
    /// `durable: false` nothing is fsync'd (for files on a tmpfs that mean nothing after a reboot). The file gets
    /// `mode` by fchmod(2), whatever the umask (the packaged unit's `UMask=0077` would make 0644 into 0600).
    package func writeAtomically(
        _ bytes: [UInt8], to name: String, mode: mode_t = 0o600, durable: Bool = true
    ) throws(FileIO.Error) {
        let temporary = name + ".tmp"
        if unlinkat(descriptor, temporary, 0) != 0, errno != ENOENT {
            throw FileIO.Error(path: path + "/" + temporary, operation: "unlink", errno: errno)
        }
        let fd = try openFile(temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        guard fchmod(fd, mode) == 0 else {
            let saved = errno
            close(fd)
            throw FileIO.Error(path: path + "/" + temporary, operation: "fchmod", errno: saved)
        }
        try FileIO.writeAllAndClose(fd, bytes, path: path + "/" + temporary, sync: durable)
        try rename(temporary, to: name)
        if durable { _ = fsync(descriptor) }
    }

    /// Renames `name` to `newName` within the directory. renameat(2).
    package func rename(_ name: String, to newName: String) throws(FileIO.Error) {
        guard renameat(descriptor, name, descriptor, newName) == 0 else {
            throw FileIO.Error(path: path + "/" + name, operation: "rename", errno: errno)
        }
    }
}
