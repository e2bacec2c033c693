import IPv6Addressing
import Reconciliation
import TOMLParsing

extension AgentConfiguration {
    /// Reads, validates and completes the configuration.
    ///
    /// The file is TOML 1.0; every key is optional and an empty or missing file at the default path is a working
    /// config. Each top-level key can be overridden by `HOSTUP_ROUTED_<KEY>` (upper case), e.g.
    /// `HOSTUP_ROUTED_POLL_INTERVAL=10s`. The state directory falls back to `$STATE_DIRECTORY` (systemd's
    /// `StateDirectory=`), then `/var/lib/hostup-routed`.
    ///
    /// - Important: No file content, however broken, stops the process: every problem is a ``ConfigurationError``.
    /// - Parameters:
    ///   - path: The config file. A missing file is an error unless it is ``defaultPath``.
    ///   - environment: The process environment (`HOSTUP_ROUTED_*`, `STATE_DIRECTORY`).
    /// - Returns: The validated configuration.
    /// - Throws: ``ConfigurationError`` naming the key and, for file values, the line: a TOML syntax error (key
    ///   `syntax`, with the column in the message), an unknown key, a value of the wrong type, or a value outside
    ///   what the key allows.
    public static func load(path: String, environment: [String: String]) throws -> AgentConfiguration {
        let bytes: [UInt8]
        do {
            bytes = try FileIO.read(path)
        } catch let error where error.isNotFound && path == defaultPath {
            bytes = []
        } catch {
            throw ConfigurationError(key: "config", message: "cannot read \(error)")
        }
        return try parse(bytes, file: path, environment: environment)
    }

    /// Validates a config document given as text; see ``load(path:environment:)``.
    public static func parse(_ text: String, file: String, environment: [String: String]) throws -> AgentConfiguration {
        try parse(Array(text.utf8), file: file, environment: environment)
    }

    /// Validates a config document given as bytes, which must be UTF-8; see ``load(path:environment:)``.
    public static func parse(_ bytes: [UInt8], file: String, environment: [String: String]) throws -> AgentConfiguration
    {
        let document: TOMLTable
        do {
            document = try TOMLTable(parsing: bytes)
        } catch let error as TOMLError {
            throw ConfigurationError(
                key: "syntax",
                file: file,
                line: error.position.line,
                message: "\(error.message) (column \(error.position.column))"
            )
        }
        var raw = try ConfigFile(document, file: file)
        for key in ConfigFile.Key.allCases where key != .bindings {
            let variable = "HOSTUP_ROUTED_" + key.rawValue.uppercased()
            if let value = environment[variable] {
                raw.set(key, to: value)
                raw.overridden[key] = variable
            }
        }
        return try raw.validated(file: file, environment: environment)
    }
}

/// The config file exactly as written: every key optional, strings kept raw until validation, and the line of
/// each key kept for error messages.
struct ConfigFile {
    enum Key: String, CaseIterable {
        case apiURL = "api_url"
        case vpsID = "vps_id"
        case tokenFile = "token_file"
        case pollInterval = "poll_interval"
        case uplink
        case stateDirectory = "state_dir"
        case nonlocalBind = "nonlocal_bind"
        case metricsFile = "metrics_file"
        case bindings

        /// What the key's value must be, in words.
        var expected: String {
            switch self {
            case .pollInterval: "a string such as \"30s\""
            case .bindings: "an array of tables ([[bindings]])"
            case .nonlocalBind: "true or false"
            default: "a string"
            }
        }
    }

    struct BindingEntry {
        enum Key: String, CaseIterable {
            case match, mode, interface, host, split, forwarding

            /// What the key's value must be, in words.
            var expected: String {
                switch self {
                case .forwarding: "true or false"
                case .split: "an integer"
                default: "a string"
                }
            }
        }

        var match: String?
        var mode: String?
        var interface: String?
        var host: String?
        var split: Int?
        var forwarding: Bool?
        /// The line of this binding's `[[bindings]]` header, or of its `{` in an inline array.
        var line: Int
        /// The line of each key written in this binding.
        var lines: [Key: Int] = [:]
    }

    var apiURL: String?
    var vpsID: String?
    var tokenFile: String?
    var pollInterval: String?
    var uplink: String?
    var stateDirectory: String?
    /// `nonlocal_bind` as written: a boolean in the file, or the text of `HOSTUP_ROUTED_NONLOCAL_BIND`.
    var nonlocalBind: String?
    var metricsFile: String?
    var bindings: [BindingEntry]?
    /// The line of each top-level key written in the file.
    var lines: [Key: Int] = [:]
    /// Top-level keys whose value came from an environment variable, and that variable's name.
    var overridden: [Key: String] = [:]

    /// Reads the keys of a parsed document; an unknown key or a value of the wrong type is an error naming its line.
    init(_ document: TOMLTable, file: String) throws {
        func unknown(_ key: String, line: Int) -> ConfigurationError {
            ConfigurationError(
                key: key,
                file: file,
                line: line,
                message:
                    "unknown key (known: \(Key.allCases.map(\.rawValue).joined(separator: ", ")); bindings take \(BindingEntry.Key.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        for entry in document.entries {
            let line = entry.position.line
            guard let key = Key(rawValue: entry.key) else { throw unknown(Self.quoted(entry.key), line: line) }
            lines[key] = line
            let wrongType = ConfigurationError(
                key: key.rawValue,
                file: file,
                line: line,
                message: "expected \(key.expected)"
            )
            if key == .nonlocalBind {
                guard case .boolean(let value) = entry.value else { throw wrongType }
                set(key, to: value ? "true" : "false")
                continue
            }
            guard key == .bindings else {
                guard case .string(let value) = entry.value else { throw wrongType }
                set(key, to: value)
                continue
            }
            guard case .array(let elements) = entry.value else { throw wrongType }
            bindings = []
            for (index, element) in elements.enumerated() {
                guard case .table(let table) = element else {
                    throw ConfigurationError(
                        key: "bindings[\(index)]",
                        file: file,
                        line: line,
                        message: "expected a table"
                    )
                }
                var binding = BindingEntry(line: table.position.line)
                for field in table.entries {
                    let name = "bindings[\(index)].\(Self.quoted(field.key))"
                    guard let fieldKey = BindingEntry.Key(rawValue: field.key) else {
                        throw unknown(name, line: field.position.line)
                    }
                    binding.lines[fieldKey] = field.position.line
                    let wrongType = ConfigurationError(
                        key: name,
                        file: file,
                        line: field.position.line,
                        message: "expected \(fieldKey.expected)"
                    )
                    switch (fieldKey, field.value) {
                    case (.match, .string(let value)): binding.match = value
                    case (.mode, .string(let value)): binding.mode = value
                    case (.interface, .string(let value)): binding.interface = value
                    case (.host, .string(let value)): binding.host = value
                    case (.split, .integer(let value)):
                        guard let split = Int(exactly: value) else { throw wrongType }
                        binding.split = split
                    case (.forwarding, .boolean(let value)): binding.forwarding = value
                    default: throw wrongType
                    }
                }
                bindings?.append(binding)
            }
        }
    }

    /// `key` as TOML would need it written: bare when it can be, else quoted with control characters escaped, so
    /// that an unknown key from the file cannot put a line end or an escape sequence into a log line.
    static func quoted(_ key: String) -> String {
        let isBare =
            !key.isEmpty
            && key.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
                    || $0 == "-"
            }
        return isBare ? key : "\"" + key.unicodeScalars.map { $0.escaped(asASCII: false) }.joined() + "\""
    }

    mutating func set(_ key: Key, to value: String) {
        switch key {
        case .apiURL: apiURL = value
        case .vpsID: vpsID = value
        case .tokenFile: tokenFile = value
        case .pollInterval: pollInterval = value
        case .uplink: uplink = value
        case .stateDirectory: stateDirectory = value
        case .nonlocalBind: nonlocalBind = value
        case .metricsFile: metricsFile = value
        case .bindings: break
        }
    }

    func validated(file: String, environment: [String: String]) throws -> AgentConfiguration {
        func error(_ key: Key, _ message: String) -> ConfigurationError {
            if let variable = overridden[key] {
                return ConfigurationError(key: variable, message: message)
            }
            return ConfigurationError(key: key.rawValue, file: file, line: lines[key], message: message)
        }

        // No value may hold a control character: a NUL would cut a path short where the C library reads it, and
        // an ESC would reach the log and the terminal.
        let values: [(Key, String?)] = [
            (.apiURL, apiURL), (.vpsID, vpsID), (.tokenFile, tokenFile), (.pollInterval, pollInterval),
            (.uplink, uplink), (.stateDirectory, stateDirectory), (.metricsFile, metricsFile),
        ]
        for case (let key, let value?) in values {
            if let (position, scalar) = value.unicodeScalars.enumerated().first(where: { _, scalar in
                scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            }) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                throw error(
                    key, "contains a control character (U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex) at character \(position + 1))")
            }
        }

        var configuration = AgentConfiguration()
        if let apiURL {
            let trimmed = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
            switch APIEndpoint.check(trimmed) {
            case .success: configuration.apiURL = trimmed
            case .failure(let reason): throw error(.apiURL, reason.description)
            }
        }
        if let vpsID {
            guard !vpsID.isEmpty,
                vpsID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            else {
                throw error(
                    .vpsID,
                    "\"\(vpsID)\" is not a VPS id (letters, digits, '_' and '-', e.g. vps_01hxa3b4c5d6e7f8g9h0j1k2m5)"
                )
            }
            configuration.vpsID = vpsID
        }
        if let tokenFile {
            guard tokenFile.hasPrefix("/") else { throw error(.tokenFile, "\"\(tokenFile)\" is not an absolute path") }
            configuration.tokenFile = tokenFile
        }
        if let pollInterval {
            guard let interval = Duration(configText: pollInterval) else {
                throw error(
                    .pollInterval,
                    "\"\(pollInterval)\" is not a duration (use e.g. \"500ms\", \"30s\", \"5m\")"
                )
            }
            guard interval >= .seconds(1), interval <= .seconds(86400) else {
                throw error(.pollInterval, "\(pollInterval) is outside 1s...24h")
            }
            configuration.pollInterval = interval
        }
        if let uplink {
            guard InterfaceName.isValid(uplink) else {
                throw error(.uplink, "\"\(uplink)\" is not an interface name (1-15 characters, no '/', ':' or spaces)")
            }
            configuration.uplink = uplink
        }
        if let stateDirectory {
            guard stateDirectory.hasPrefix("/") else {
                throw error(.stateDirectory, "\"\(stateDirectory)\" is not an absolute path")
            }
            configuration.stateDirectory = stateDirectory
        } else if let fromSystemd = environment["STATE_DIRECTORY"], !fromSystemd.isEmpty {
            // systemd may pass several colon-separated directories; the first is ours.
            configuration.stateDirectory = String(fromSystemd.split(separator: ":").first ?? "")
        }
        if let fromSystemd = environment["RUNTIME_DIRECTORY"], fromSystemd.hasPrefix("/") {
            configuration.runtimeDirectoryOverride = String(fromSystemd.split(separator: ":").first ?? "")
        }

        if let metricsFile {
            if !metricsFile.isEmpty, let problem = MetricsTextfile.problem(withPath: metricsFile) {
                throw error(.metricsFile, "\"\(metricsFile)\" \(problem)")
            }
            configuration.metricsFileSetting = metricsFile
        }

        switch nonlocalBind {
        case nil: break
        case "true", "1", "yes": configuration.nonlocalBind = true
        case "false", "0", "no": configuration.nonlocalBind = false
        case let text?: throw error(.nonlocalBind, "\"\(text)\" is not true or false")
        }

        for (index, entry) in (bindings ?? []).enumerated() {
            configuration.bindings.append(
                try entry.validated { key, message in
                    ConfigurationError(
                        key: "bindings[\(index)].\(key.rawValue)",
                        file: file,
                        line: entry.lines[key] ?? entry.line,
                        message: message
                    )
                }
            )
        }
        return configuration
    }
}

extension ConfigFile.BindingEntry {
    func validated(error: (Key, String) -> ConfigurationError) throws -> Binding {
        let match = self.match ?? "*"
        guard !match.isEmpty else { throw error(.match, "is empty (use \"*\", a route id, a label or a prefix)") }
        let modeText = self.mode ?? "anyip"
        guard let mode = Binding.Mode(rawValue: modeText) else {
            throw error(.mode, "\"\(modeText)\" is not a mode (anyip, address or route)")
        }
        if let interface {
            guard InterfaceName.isValid(interface) else {
                throw error(
                    .interface,
                    "\"\(interface)\" is not an interface name (1-15 characters, no '/', ':' or spaces)"
                )
            }
            if mode == .anyip { throw error(.interface, "is not used by mode anyip (it always uses lo)") }
        } else if mode != .anyip {
            throw error(.interface, "is required for mode \(modeText)")
        }
        var host = IPv6Address(high: 0, low: 1)
        if let hostText = self.host {
            guard mode == .address else { throw error(.host, "is only used by mode address") }
            do {
                host = try IPv6Address(hostText)
            } catch let parseError {
                throw error(.host, "\"\(hostText)\" is not an IPv6 host part: \(parseError)")
            }
            guard host.high >> 48 == 0 else {
                throw error(.host, "\(host) does not fit in the host part of even a /48 (use e.g. ::1 or ::a:1)")
            }
            guard host != .unspecified else {
                throw error(.host, ":: is the subnet-router anycast address (RFC 4291 2.6.1); use e.g. ::1")
            }
        }
        if let split {
            guard (49...64).contains(split) else { throw error(.split, "\(split) is not a child length in 49...64") }
        }
        return Binding(
            match: match,
            mode: mode,
            interface: interface,
            host: host,
            split: split,
            forwarding: forwarding ?? false
        )
    }
}

/// Linux interface names: 1 to 15 bytes (`IFNAMSIZ` - 1), no `/`, `:` or whitespace (`dev_valid_name()`).
enum InterfaceName {
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 15 && name != "." && name != ".."
            && !name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace })
    }
}
