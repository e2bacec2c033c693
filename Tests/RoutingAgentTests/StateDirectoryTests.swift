#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing

@testable import RoutingAgent

/// Root-run commands (`cleanup`, `sync`) must not follow links planted in the service-owned state directory.
@Suite struct StateDirectoryTests {
    let directory = temporaryDirectory()
    let outside = temporaryDirectory()

    /// A file outside the state directory that a planted link points at; returns its path.
    func victim() throws -> String {
        try FileIO.makeDirectory(outside)
        let path = outside + "/victim"
        try FileIO.writeAtomically(Array("precious\n".utf8), to: path, mode: 0o644)
        return path
    }

    @Test func aLockThatIsASymlinkIsRefused() throws {
        let target = try victim()
        try FileIO.makeDirectory(directory)
        #expect(symlink(target, directory + "/lock") == 0)
        #expect(throws: FileIO.Error.self) { try StateLock(directory: directory, role: "test") }
        #expect(try FileIO.readText(target) == "precious\n")
        #expect(throws: FileIO.Error.self) { try StateLock.holder(directory: directory) }
    }

    @Test func aStateFileThatIsASymlinkIsNeitherReadNorFollowed() throws {
        let target = try victim()
        try FileIO.makeDirectory(directory)
        #expect(symlink(target, directory + "/state.json") == 0)
        let store = StateStore(directory: directory)
        #expect { try store.load() } throws: { "\($0)".hasSuffix("it is a symbolic link, which is refused (never followed)") }
        // Saving replaces the link itself (rename(2) does not follow it); the target is untouched.
        try store.save(PersistedState())
        #expect(try FileIO.readText(target) == "precious\n")
        #expect(try store.load() == PersistedState())
    }

    @Test func aPlantedTemporaryFileLinkIsReplacedNotFollowed() throws {
        let target = try victim()
        try FileIO.makeDirectory(directory)
        #expect(symlink(target, directory + "/state.json.tmp") == 0)
        try StateStore(directory: directory).save(PersistedState())
        #expect(try FileIO.readText(target) == "precious\n")
    }

    @Test func aHardLinkedStateFileIsRefused() throws {
        try FileIO.makeDirectory(directory)
        try FileIO.makeDirectory(outside)
        try FileIO.writeAtomically(Array("{}".utf8), to: outside + "/other", mode: 0o644)
        #expect(link(outside + "/other", directory + "/state.json") == 0)
        #expect(throws: StateStore.Error.self) { try StateStore(directory: directory).load() }
    }

    @Test(.enabled(if: getuid() == 0, "needs root to give a file to another user"))
    func aFileOfAnotherUserIsRefusedAndRootsFilesGoToTheDirectorysOwner() throws {
        try FileIO.makeDirectory(directory)
        // The directory belongs to the service's user (uid 61000 here), as under DynamicUser=.
        #expect(chown(directory, 61000, 61000) == 0)
        try StateStore(directory: directory).save(PersistedState())
        let written = try FileIO.status(directory + "/state.json")
        #expect(written.owner == 61000, "root's write is handed to the directory's owner by fchown")
        _ = try StateLock(directory: directory, role: "test")
        #expect(try FileIO.status(directory + "/lock").owner == 61000)
        // A file of a third user is not the service's: refused.
        #expect(chown(directory + "/state.json", 62000, 62000) == 0)
        #expect(throws: StateStore.Error.self) { try StateStore(directory: directory).load() }
    }

    /// Other kinds of file planted under the names: a FIFO (whose open would block), a directory, a dangling link.
    @Test(arguments: ["fifo", "directory", "dangling"])
    func otherKindsOfFileAreRefusedWithoutBlocking(kind: String) throws {
        try FileIO.makeDirectory(directory)
        for name in ["state.json", "lock"] {
            let path = directory + "/" + name
            switch kind {
            case "fifo": #expect(mkfifo(path, 0o600) == 0)
            case "directory": try FileIO.makeDirectory(path)
            default: #expect(symlink(outside + "/nowhere", path) == 0)
            }
        }
        #expect(throws: StateStore.Error.self) { try StateStore(directory: directory).load() }
        #expect(throws: (any Error).self) { try StateLock(directory: directory, role: "test") }
        #expect(throws: (any Error).self) { try StateLock.holder(directory: directory) }
    }

    @Test func aDirectoryOthersMayWriteIsRefused() throws {
        try FileIO.makeDirectory(directory)
        #expect(chmod(directory, 0o777) == 0)
        #expect(throws: FileIO.Error.self) { try StateLock(directory: directory, role: "test") }
    }
}

@Suite struct StateLockTests {
    let directory = temporaryDirectory()

    @Test func theHolderIsNamedWithItsRole() throws {
        let lock = try StateLock(directory: directory, role: "sync")
        let holder = try #require(try StateLock.holder(directory: directory))
        #expect(holder.pid == getpid())
        #expect(holder.role == "sync")
        #expect(holder.daemonPID == nil, "a one-shot command is never taken for the daemon")
        #expect("\(holder)".contains("hostup-routed sync (pid \(getpid()))"))
        withExtendedLifetime(lock) {}
    }

    @Test func aDaemonRoleIsBelievedOnlyForTheProcessThatHoldsTheLock() throws {
        let lock = try StateLock(directory: directory, role: StateLock.daemonRole)
        #expect(try StateLock.holder(directory: directory)?.daemonPID == getpid(), "the kernel's lock table confirms it")
        // A pid written into the file that is not the lock's holder (planted, or left by a process that is gone).
        let fd = open(directory + "/lock", O_WRONLY)
        #expect(fd >= 0)
        _ = ftruncate(fd, 0)
        _ = Array("1 run\n".utf8).withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        close(fd)
        let forged = try #require(try StateLock.holder(directory: directory))
        #expect(forged.pid == 1 && forged.claimsDaemon)
        #expect(forged.daemonPID == nil)
        #expect(StateLock.Held(pid: getpid(), role: StateLock.daemonRole).daemonPID == nil, "no lock file known")
        withExtendedLifetime(lock) {}
    }

    @Test func aOneShotWaitsForAnotherThenGivesUpNamingIt() async throws {
        let first = try StateLock(directory: directory, role: "sync")
        await #expect {
            _ = try await StateLock.acquire(directory: directory, role: "cleanup", patience: .milliseconds(300))
        } throws: { error in
            (error as? StateLock.Held)?.role == "sync"
        }
        withExtendedLifetime(first) {}
    }

    @Test func aOneShotGetsTheLockOnceTheOtherReleasesIt() async throws {
        let holder = Mutex<StateLock?>(try StateLock(directory: directory, role: "sync"))
        let release = Task {
            try await Task.sleep(for: .milliseconds(300))
            holder.withLock { $0 = nil }
        }
        let second = try await StateLock.acquire(directory: directory, role: "cleanup", patience: .seconds(5))
        #expect(try StateLock.holder(directory: directory)?.role == "cleanup")
        try await release.value
        withExtendedLifetime(second) {}
    }

    @Test func theDaemonIsNotWaitedFor() async throws {
        let daemon = try StateLock(directory: directory, role: StateLock.daemonRole)
        let started = ContinuousClock.now
        await #expect(throws: StateLock.Held.self) {
            _ = try await StateLock.acquire(directory: directory, role: "sync", patience: .seconds(30))
        }
        #expect(ContinuousClock.now - started < .seconds(5), "the daemon is asked, not waited for")
        withExtendedLifetime(daemon) {}
    }
}
