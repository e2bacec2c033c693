#if canImport(Glibc)
import Glibc
#endif

/// The HostUp API token and where it came from. Its `description` never shows the secret.
public struct APIToken: Sendable, CustomStringConvertible {
    /// The bearer token itself. Pass it only to the HTTP client.
    public let secret: String
    /// Where it was found: `credential hostup-api-token`, `token_file /path`, or `HOSTUP_API_TOKEN`.
    public let source: String

    public var description: String { "token from \(source) (\(secret.count) characters)" }

    /// Where the package tells the admin to put the token; read when no credential and no `token_file` is given.
    public static let defaultTokenFile = "/etc/hostup-routed/token"

    /// The systemd credential's name (`LoadCredential=hostup-api-token:...`).
    public static let credentialName = "hostup-api-token"

    /// Finds the token, in DESIGN.md's order: the systemd credential `$CREDENTIALS_DIRECTORY/hostup-api-token`,
    /// then `token_file` (which must be owned by root and have no group or other permission bits, i.e. mode 0600
    /// or 0400), then `/etc/hostup-routed/token` when it exists with those permissions (so that commands run by
    /// hand find the token the service gets as its credential), then the environment variable `HOSTUP_API_TOKEN`.
    ///
    /// - Throws: ``ConfigurationError`` naming the source that is unusable, or saying that none gave a token.
    public static func resolve(tokenFile: String?, environment: [String: String]) throws -> APIToken {
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            let path = directory + "/" + credentialName
            if let text = try? FileIO.readText(path), let token = cleaned(text) {
                return APIToken(secret: token, source: "credential \(credentialName)")
            }
        }
        if let tokenFile {
            let status: (owner: uid_t, mode: mode_t)
            do {
                status = try FileIO.status(tokenFile)
            } catch {
                throw ConfigurationError(key: "token_file", message: "cannot use \(tokenFile): \(error)")
            }
            guard status.owner == 0 else {
                throw ConfigurationError(key: "token_file", message: "\(tokenFile) must be owned by root (uid 0), not uid \(status.owner)")
            }
            guard status.mode & 0o077 == 0 else {
                let mode = String(status.mode & 0o777, radix: 8)
                throw ConfigurationError(
                    key: "token_file", message: "\(tokenFile) has mode 0\(mode); it must be 0600 or 0400 (chmod 600 \(tokenFile))")
            }
            let text: String
            do {
                text = try FileIO.readText(tokenFile)
            } catch {
                throw ConfigurationError(key: "token_file", message: "cannot read \(tokenFile): \(error)")
            }
            guard let token = cleaned(text) else {
                throw ConfigurationError(key: "token_file", message: "\(tokenFile) is empty")
            }
            return APIToken(secret: token, source: "token_file \(tokenFile)")
        }
        // The package's documented place, for commands run by hand (the service gets the same file as its
        // credential). Only used when it exists and is readable; its checks are those of token_file.
        if let text = try? FileIO.readText(defaultTokenFile), let token = cleaned(text),
            let status = try? FileIO.status(defaultTokenFile), status.owner == 0, status.mode & 0o077 == 0
        {
            return APIToken(secret: token, source: "token file \(defaultTokenFile)")
        }
        if let value = environment["HOSTUP_API_TOKEN"], let token = cleaned(value) {
            return APIToken(secret: token, source: "HOSTUP_API_TOKEN")
        }
        throw ConfigurationError(
            key: "token",
            message: "no API token: give the systemd credential \(credentialName), token_file, \(defaultTokenFile), or HOSTUP_API_TOKEN")
    }

    private static func cleaned(_ text: String) -> String? {
        let token = text.trimmingCharacters(in: " \t\r\n")
        guard !token.isEmpty, !token.contains(where: { $0.isWhitespace || $0.isNewline }) else { return nil }
        return token
    }
}

extension String {
    /// Drops leading and trailing characters of `set`, by Unicode scalar, so that "\r\n" and "\n" both count.
    fileprivate func trimmingCharacters(in set: String) -> String {
        let scalars = Set(set.unicodeScalars)
        var slice = unicodeScalars[...]
        while let first = slice.first, scalars.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, scalars.contains(last) { slice = slice.dropLast() }
        return String(String.UnicodeScalarView(slice))
    }
}
