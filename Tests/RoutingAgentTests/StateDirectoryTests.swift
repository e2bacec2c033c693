#if canImport(Glibc)
import Glibc
#endif
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
        #expect(throws: FileIO.Error.self) { try StateLock(directory: directory) }
        #expect(try FileIO.readText(target) == "precious\n")
        #expect(throws: FileIO.Error.self) { try StateLock.holder(directory: directory) }
    }

    @Test func aStateFileThatIsASymlinkIsNeitherReadNorFollowed() throws {
        let target = try victim()
        try FileIO.makeDirectory(directory)
        #expect(symlink(target, directory + "/state.json") == 0)
        let store = StateStore(directory: directory)
        #expect(throws: StateStore.Error.self) { try store.load() }
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
        _ = try StateLock(directory: directory)
        #expect(try FileIO.status(directory + "/lock").owner == 61000)
        // A file of a third user is not the service's: refused.
        #expect(chown(directory + "/state.json", 62000, 62000) == 0)
        #expect(throws: StateStore.Error.self) { try StateStore(directory: directory).load() }
    }

    @Test func aDirectoryOthersMayWriteIsRefused() throws {
        try FileIO.makeDirectory(directory)
        #expect(chmod(directory, 0o777) == 0)
        #expect(throws: FileIO.Error.self) { try StateLock(directory: directory) }
    }
}
