#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HostUpAPI

/// Reads and writes `state.json` in the state directory, atomically (write, fsync, rename), through a
/// ``CheckedDirectory``: never through a symbolic link, and only a regular file owned by the directory's owner or
/// root.
public struct StateStore: Sendable {
    /// The state directory, e.g. `/var/lib/hostup-routed`.
    public var directory: String
    /// `directory/state.json`.
    public var path: String { directory + "/" + Self.fileName }

    public init(directory: String) {
        self.directory = directory
    }

    /// The saved state; an empty one when the file does not exist yet.
    ///
    /// - Throws: ``StateStore/Error`` when the file exists but cannot be read or decoded, or has an unknown version.
    public func load() throws -> PersistedState {
        let bytes: [UInt8]
        do {
            bytes = try CheckedDirectory(directory, create: false).read(Self.fileName)
        } catch let error where error.isNotFound {
            return PersistedState()
        } catch {
            throw Error(
                description: "cannot read \(path): \(error)",
                permissionDenied: error.errno == EACCES && error.detail == nil && geteuid() != 0)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            let state = try decoder.decode(PersistedState.self, from: Data(bytes))
            guard state.version == 1 else {
                throw Error(description: "\(path) has format version \(state.version); this agent reads version 1")
            }
            return state
        } catch let error as Error {
            throw error
        } catch {
            throw Error(description: "\(path) does not decode: \(error.readableDecodingFailure)")
        }
    }

    /// Replaces the saved state atomically, creating the directory if needed.
    public func save(_ state: PersistedState) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            let data = try encoder.encode(state)
            try CheckedDirectory(directory, create: true).writeAtomically(Array(data), to: Self.fileName)
        } catch {
            throw Error(description: "cannot write \(path): \(error)")
        }
    }

    /// What tells one version of the file from another without reading it: lstat(2)'s device, inode, size and
    /// modification time.
    public struct FileIdentity: Equatable, Sendable {
        let status: FileIO.LinkStatus
    }

    /// The file's identity now; `nil` when there is no file (or it cannot be looked at).
    public func identity() -> FileIdentity? {
        FileIO.linkStatus(path).map(FileIdentity.init)
    }

    /// The file's bytes as they are, for ``PersistedState/salvage(_:)``; `nil` when they cannot be read.
    public func contents() -> [UInt8]? {
        try? CheckedDirectory(directory, create: false).read(Self.fileName)
    }

    /// Renames an unreadable `state.json` to `state.json.bad`, replacing an older one.
    ///
    /// - Returns: The new path.
    public func setAside() throws -> String {
        do {
            try CheckedDirectory(directory, create: false).rename(Self.fileName, to: Self.fileName + ".bad")
        } catch {
            throw Error(description: "cannot move \(path) aside: \(error)")
        }
        return path + ".bad"
    }

    /// The file's name in the directory.
    static let fileName = "state.json"

    /// A state file that cannot be read, decoded or written.
    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        public var description: String
        /// The file exists but this user, not root, may not read it (EACCES): the file is fine, the user is not root.
        /// A file refused for its owner, links or type is not this.
        public var permissionDenied = false
    }
}

extension Swift.Error {
    /// A `DecodingError` as one readable line, what was wrong and where (`invalid data at $: The given data was not
    /// valid JSON.`), without the Swift dump of its context; any other error as it describes itself.
    var readableDecodingFailure: String {
        guard let error = self as? DecodingError else { return "\(self)" }
        return DecodingErrorDescription.describe(error)
    }
}
