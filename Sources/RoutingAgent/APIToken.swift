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

    /// Finds the token, in this order: the systemd credential `$CREDENTIALS_DIRECTORY/hostup-api-token`, then
    /// `token_file` (which must be owned by root and have no group or other permission bits, i.e. mode 0600 or
    /// 0400), then `/etc/hostup-routed/token` when it exists (so that commands run by hand find the token the service
    /// gets as its credential), then the environment variable `HOSTUP_API_TOKEN`.
    ///
    /// `/etc/hostup-routed/token` gets `token_file`'s checks. When it exists but fails them (mode 0644, another
    /// owner, unreadable by this user) and the environment gives no token either, the error names the file, what is
    /// wrong with it and what to do, instead of "no API token".
    ///
    /// - Parameter defaultTokenFile: The package's token file; ``defaultTokenFile`` except in tests.
    /// - Throws: ``ConfigurationError`` naming the source that is unusable, or saying that none gave a token.
    public static func resolve(
        tokenFile: String?, environment: [String: String], defaultTokenFile: String = defaultTokenFile
    ) throws -> APIToken {
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            let path = directory + "/" + credentialName
            if let text = try? FileIO.readText(path),
                let token = try cleaned(text, source: "the systemd credential \(credentialName)", key: "token")
            {
                return APIToken(secret: token, source: "credential \(credentialName)")
            }
        }
        if let tokenFile {
            return APIToken(secret: try read(tokenFile, key: "token_file"), source: "token_file \(tokenFile)")
        }
        // The package's documented place, for commands run by hand (the service gets the same file as its
        // credential). Its checks are those of token_file; when it fails them, the environment may still give the
        // token, else the error says what is wrong with the file.
        var unusableDefault: ConfigurationError?
        if (try? FileIO.status(defaultTokenFile)) != nil {
            do {
                return APIToken(secret: try read(defaultTokenFile, key: "token"), source: "token file \(defaultTokenFile)")
            } catch let error as ConfigurationError {
                unusableDefault = error
            }
        }
        if let value = environment["HOSTUP_API_TOKEN"],
            let token = try cleaned(value, source: "the environment variable HOSTUP_API_TOKEN", key: "HOSTUP_API_TOKEN")
        {
            return APIToken(secret: token, source: "HOSTUP_API_TOKEN")
        }
        if let unusableDefault {
            throw ConfigurationError(
                key: "token", message: "no usable API token: \(unusableDefault.message); nothing else gave a token")
        }
        throw ConfigurationError(
            key: "token",
            message: "no API token: give the systemd credential \(credentialName), token_file, \(defaultTokenFile), or HOSTUP_API_TOKEN")
    }

    /// The token in the file at `path`, which must be owned by root with mode 0600 or 0400.
    ///
    /// - Throws: ``ConfigurationError`` for `key` naming the file and what to do: it cannot be read, has another
    ///   owner or a group or other permission bit, or is empty.
    private static func read(_ path: String, key: String) throws -> String {
        let status: (owner: uid_t, mode: mode_t)
        do {
            status = try FileIO.status(path)
        } catch {
            throw ConfigurationError(key: key, message: "cannot use \(path): \(error)")
        }
        guard status.owner == 0 else {
            throw ConfigurationError(
                key: key, message: "\(path) must be owned by root (uid 0), not uid \(status.owner) (chown root \(path))")
        }
        guard status.mode & 0o077 == 0 else {
            let mode = String(status.mode & 0o777, radix: 8)
            throw ConfigurationError(
                key: key,
                message: "\(path) has mode 0\(mode); it must be 0600 or 0400 (chmod 600 \(path)), since it holds a secret")
        }
        let text: String
        do {
            text = try FileIO.readText(path)
        } catch {
            throw ConfigurationError(
                key: key, message: "cannot read \(path): \(error)" + (getuid() == 0 ? "" : " (run the command as root)"))
        }
        guard let token = try cleaned(text, source: path, key: key) else {
            throw ConfigurationError(key: key, message: "\(path) is empty")
        }
        return token
    }

    /// The token in `text`: one trailing line end (`\n` or `\r\n`, as `echo` or an editor leaves it) removed;
    /// `nil` when nothing is left.
    ///
    /// - Throws: ``ConfigurationError`` when what is left holds a control character (C0, DEL or C1, such as the
    ///   ESC of a bad paste, or a second line), a space or any other whitespace: a bearer token is one word
    ///   (RFC 6750 §2.1). The message names `source` and the position, never the token.
    static func cleaned(_ text: String, source: String, key: String) throws -> String? {
        // By scalar: "\r\n" is one Character in Swift.
        var token = text.unicodeScalars[...]
        if token.last == "\n" {
            token = token.dropLast()
            if token.last == "\r" { token = token.dropLast() }
        }
        if token.isEmpty { return nil }
        for (position, scalar) in token.enumerated() {
            let value = scalar.value
            let isControl = value < 0x20 || (0x7F...0x9F).contains(value)
            // Format characters too: a byte-order mark or a zero-width space from a paste is invisible, and the API
            // would only answer 401.
            let isFormat = scalar.properties.generalCategory == .format
            guard isControl || isFormat || scalar.properties.isWhitespace else { continue }
            let hex = String(value, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            let what = isControl ? "a control character" : isFormat ? "an invisible format character" : "whitespace"
            throw ConfigurationError(
                key: key,
                message: "the API token from \(source) contains \(what) (\(code) at character \(position + 1)); "
                    + "write the token alone on one line (the token itself is not shown)")
        }
        return String(String.UnicodeScalarView(token))
    }
}
