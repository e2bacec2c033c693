import IPv6Addressing
import Reconciliation
import TOMLKit

extension AgentConfiguration {
    /// Reads, validates and completes the configuration.
    ///
    /// The file is TOML (DESIGN.md "Config"); every key is optional and an empty or missing file at the default
    /// path is a working config. Each top-level key can be overridden by `HOSTUP_ROUTED_<KEY>` (upper case), e.g.
    /// `HOSTUP_ROUTED_POLL_INTERVAL=10s`. The state directory falls back to `$STATE_DIRECTORY` (systemd's
    /// `StateDirectory=`), then `/var/lib/hostup-routed`.
    ///
    /// - Parameters:
    ///   - path: The config file. A missing file is an error unless it is ``defaultPath``.
    ///   - environment: The process environment (`HOSTUP_ROUTED_*`, `STATE_DIRECTORY`).
    /// - Returns: The validated configuration.
    /// - Throws: ``ConfigurationError`` naming the key and, for file values, the line: a TOML syntax error, an
    ///   unknown key, a value of the wrong type, or a value outside what the key allows.
    public static func load(path: String, environment: [String: String]) throws -> AgentConfiguration {
        let text: String
        do {
            text = try FileIO.readText(path)
        } catch let error where error.isNotFound && path == defaultPath {
            text = ""
        } catch {
            throw ConfigurationError(key: "config", message: "cannot read \(error)")
        }
        return try parse(text, file: path, environment: environment)
    }

    /// Validates a config document given as text; see ``load(path:environment:)``.
    public static func parse(_ text: String, file: String, environment: [String: String]) throws -> AgentConfiguration {
        let locator = TOMLKeyLocator(text: text)
        var raw: ConfigFile
        do {
            raw = try TOMLDecoder(strictDecoding: true).decode(ConfigFile.self, from: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                key: "syntax", file: file, line: error.source.begin.line, message: error.description)
        } catch let error as UnexpectedKeysError {
            let path = error.keys.values.first.map { $0.map { $0.intValue.map(String.init) ?? $0.stringValue } } ?? []
            let key = renderKey(path)
            throw ConfigurationError(
                key: key, file: file, line: locator.line(of: path),
                message: "unknown key (known: \(ConfigFile.CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")); bindings take \(ConfigFile.BindingEntry.CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")))")
        } catch let error as DecodingError {
            let (path, message) = describe(error)
            throw ConfigurationError(key: renderKey(path), file: file, line: locator.line(of: path), message: message)
        }

        for key in ConfigFile.CodingKeys.allCases where key != .bindings {
            let variable = "HOSTUP_ROUTED_" + key.rawValue.uppercased()
            if let value = environment[variable] {
                raw.set(key, to: value)
                locator.overridden[key.rawValue] = variable
            }
        }
        return try raw.validated(file: file, locator: locator, environment: environment)
    }

    private static func renderKey(_ path: [String]) -> String {
        var rendered = ""
        for component in path {
            if let index = Int(component) {
                rendered += "[\(index)]"
            } else {
                rendered += rendered.isEmpty ? component : "." + component
            }
        }
        return rendered.isEmpty ? "config" : rendered
    }

    private static func describe(_ error: DecodingError) -> ([String], String) {
        func path(_ context: DecodingError.Context) -> [String] {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
        }
        var keyPath: [String]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            keyPath = path(context)
        case .keyNotFound(let key, let context):
            // Every key is optional, so TOMLKit's "not found" means "present with another type".
            keyPath = path(context)
            if keyPath.last != key.stringValue { keyPath.append(key.stringValue) }
        @unknown default:
            keyPath = []
        }
        return (keyPath, "expected \(expectedType(of: keyPath.last ?? ""))")
    }

    /// What a key's value must be, in words.
    private static func expectedType(of key: String) -> String {
        switch key {
        case "forwarding", "nonlocal_bind": "true or false"
        case "split": "an integer"
        case "bindings": "an array of tables ([[bindings]])"
        case "poll_interval": "a string such as \"30s\""
        default: Int(key) != nil ? "a table" : "a string"
        }
    }
}

/// The config file exactly as written: every key optional, strings kept raw until validation.
struct ConfigFile: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case apiURL = "api_url"
        case vpsID = "vps_id"
        case tokenFile = "token_file"
        case pollInterval = "poll_interval"
        case uplink
        case stateDirectory = "state_dir"
        case nonlocalBind = "nonlocal_bind"
        case bindings
    }

    struct BindingEntry: Decodable {
        enum CodingKeys: String, CodingKey, CaseIterable {
            case match, mode, interface, host, split, forwarding
        }
        var match: String?
        var mode: String?
        var interface: String?
        var host: String?
        var split: Int?
        var forwarding: Bool?
    }

    var apiURL: String?
    var vpsID: String?
    var tokenFile: String?
    var pollInterval: String?
    var uplink: String?
    var stateDirectory: String?
    var nonlocalBind: Bool?
    /// `HOSTUP_ROUTED_NONLOCAL_BIND`, checked in ``validated(file:locator:environment:)``.
    var nonlocalBindOverride: String? = nil
    var bindings: [BindingEntry]?

    mutating func set(_ key: CodingKeys, to value: String) {
        switch key {
        case .apiURL: apiURL = value
        case .vpsID: vpsID = value
        case .tokenFile: tokenFile = value
        case .pollInterval: pollInterval = value
        case .uplink: uplink = value
        case .stateDirectory: stateDirectory = value
        case .nonlocalBind: nonlocalBindOverride = value
        case .bindings: break
        }
    }

    func validated(file: String, locator: TOMLKeyLocator, environment: [String: String]) throws -> AgentConfiguration {
        func error(_ key: String, _ message: String, binding: Int? = nil) -> ConfigurationError {
            if binding == nil, let variable = locator.overridden[key] {
                return ConfigurationError(key: variable, message: message)
            }
            let path = binding.map { ["bindings", String($0), key] } ?? [key]
            let rendered = binding.map { "bindings[\($0)].\(key)" } ?? key
            return ConfigurationError(key: rendered, file: file, line: locator.line(of: path), message: message)
        }

        var configuration = AgentConfiguration()
        if let apiURL {
            let trimmed = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
            switch APIEndpoint.check(trimmed) {
            case .success: configuration.apiURL = trimmed
            case .failure(let reason): throw error("api_url", reason.description)
            }
        }
        if let vpsID {
            guard !vpsID.isEmpty, vpsID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            else { throw error("vps_id", "\"\(vpsID)\" is not a VPS id (letters, digits, '_' and '-', e.g. vps_01hxa3b4c5d6e7f8g9h0j1k2m5)") }
            configuration.vpsID = vpsID
        }
        if let tokenFile {
            guard tokenFile.hasPrefix("/") else { throw error("token_file", "\"\(tokenFile)\" is not an absolute path") }
            configuration.tokenFile = tokenFile
        }
        if let pollInterval {
            guard let interval = Duration(configText: pollInterval) else {
                throw error("poll_interval", "\"\(pollInterval)\" is not a duration (use e.g. \"500ms\", \"30s\", \"5m\")")
            }
            guard interval >= .seconds(1), interval <= .seconds(86400) else {
                throw error("poll_interval", "\(pollInterval) is outside 1s...24h")
            }
            configuration.pollInterval = interval
        }
        if let uplink {
            guard InterfaceName.isValid(uplink) else {
                throw error("uplink", "\"\(uplink)\" is not an interface name (1-15 characters, no '/', ':' or spaces)")
            }
            configuration.uplink = uplink
        }
        if let stateDirectory {
            guard stateDirectory.hasPrefix("/") else {
                throw error("state_dir", "\"\(stateDirectory)\" is not an absolute path")
            }
            configuration.stateDirectory = stateDirectory
        } else if let fromSystemd = environment["STATE_DIRECTORY"], !fromSystemd.isEmpty {
            // systemd may pass several colon-separated directories; the first is ours.
            configuration.stateDirectory = String(fromSystemd.split(separator: ":").first ?? "")
        }

        if let nonlocalBindOverride {
            switch nonlocalBindOverride {
            case "true", "1", "yes": configuration.nonlocalBind = true
            case "false", "0", "no": configuration.nonlocalBind = false
            default: throw error("nonlocal_bind", "\"\(nonlocalBindOverride)\" is not true or false")
            }
        } else if let nonlocalBind {
            configuration.nonlocalBind = nonlocalBind
        }

        for (index, entry) in (bindings ?? []).enumerated() {
            configuration.bindings.append(try entry.validated(index: index) { key, message in
                error(key, message, binding: index)
            })
        }
        return configuration
    }
}

extension ConfigFile.BindingEntry {
    func validated(index: Int, error: (String, String) -> ConfigurationError) throws -> Binding {
        let match = self.match ?? "*"
        guard !match.isEmpty else { throw error("match", "is empty (use \"*\", a route id, a label or a prefix)") }
        let modeText = self.mode ?? "anyip"
        guard let mode = Binding.Mode(rawValue: modeText) else {
            throw error("mode", "\"\(modeText)\" is not a mode (anyip, address or route)")
        }
        if let interface {
            guard InterfaceName.isValid(interface) else {
                throw error("interface", "\"\(interface)\" is not an interface name (1-15 characters, no '/', ':' or spaces)")
            }
            if mode == .anyip { throw error("interface", "is not used by mode anyip (it always uses lo)") }
        } else if mode != .anyip {
            throw error("interface", "is required for mode \(modeText)")
        }
        var host = IPv6Address(high: 0, low: 1)
        if let hostText = self.host {
            guard mode == .address else { throw error("host", "is only used by mode address") }
            do {
                host = try IPv6Address(hostText)
            } catch let parseError {
                throw error("host", "\"\(hostText)\" is not an IPv6 host part: \(parseError)")
            }
            guard host.high >> 48 == 0 else {
                throw error("host", "\(host) does not fit in the host part of even a /48 (use e.g. ::1 or ::a:1)")
            }
            guard host != .unspecified else {
                throw error("host", ":: is the subnet-router anycast address (RFC 4291 2.6.1); use e.g. ::1")
            }
        }
        if let split {
            guard (49...64).contains(split) else { throw error("split", "\(split) is not a child length in 49...64") }
        }
        return Binding(
            match: match, mode: mode, interface: interface, host: host, split: split,
            forwarding: forwarding ?? false)
    }
}

/// Linux interface names: 1 to 15 bytes (`IFNAMSIZ` - 1), no `/`, `:` or whitespace (`dev_valid_name()`).
enum InterfaceName {
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 15 && name != "." && name != ".."
            && !name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace })
    }
}

/// Finds the line of a key in a TOML text, for error messages (TOMLKit reports lines only for syntax errors).
final class TOMLKeyLocator {
    private let lines: [Substring]
    /// Top-level keys whose value came from an environment variable, and that variable's name.
    var overridden: [String: String] = [:]

    init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The 1-based line of `path` (`["poll_interval"]` or `["bindings", "1", "mode"]`), or `nil` if not found.
    func line(of path: [String]) -> Int? {
        guard let first = path.first else { return nil }
        if first == "bindings" {
            var seen = -1
            var inTarget = false
            let wanted = path.count > 1 ? Int(path[1]) ?? 0 : 0
            for (number, raw) in lines.enumerated() {
                let line = raw.drop(while: { $0 == " " || $0 == "\t" })
                if line.hasPrefix("[[bindings]]") {
                    seen += 1
                    inTarget = seen == wanted
                    if inTarget && path.count <= 2 { return number + 1 }
                    continue
                }
                if line.hasPrefix("[") { inTarget = false }
                if inTarget, path.count > 2, isAssignment(line, to: path[2]) { return number + 1 }
            }
            if path.count > 2 { return line(of: Array(path.prefix(2))) }
            return nil
        }
        for (number, raw) in lines.enumerated() {
            let line = raw.drop(while: { $0 == " " || $0 == "\t" })
            if line.hasPrefix("[") { break }
            if isAssignment(line, to: first) { return number + 1 }
        }
        return nil
    }

    private func isAssignment(_ line: Substring, to key: String) -> Bool {
        for candidate in [key, "\"\(key)\""] where line.hasPrefix(candidate) {
            let rest = line.dropFirst(candidate.count).drop(while: { $0 == " " || $0 == "\t" })
            if rest.hasPrefix("=") { return true }
        }
        return false
    }
}
