import FoundationEssentials
import IPv6Addressing
import Reconciliation
import Testing

@testable import RoutingAgent

@Suite struct AgentConfigurationTests {
    private func parse(_ text: String, environment: [String: String] = [:]) throws -> AgentConfiguration {
        try AgentConfiguration.parse(text, file: "config.toml", environment: environment)
    }

    /// `check-config` printed each binding as a Swift dump (`Binding(match: "*", mode: ...)`), and "ok" for a
    /// default config file that is not there (issue 12).
    @Test func checkConfigPrintsBindingsAsConfigAndSaysWhenTheDefaultFileIsMissing() throws {
        let configuration = try parse(
            """
            [[bindings]]
            match = "web"
            mode = "route"
            interface = "wg0"
            forwarding = true

            [[bindings]]
            match = "2001:db8:1000:20::/56"
            mode = "address"
            interface = "br0"
            host = "::1"
            split = 64
            """)
        let lines = configuration.checkLines(path: "/etc/hostup-routed/config.toml", fileExists: true)
        #expect(lines.first == "config /etc/hostup-routed/config.toml: ok")
        #expect(lines.contains(#"  bindings[0]   = { match = "web", mode = "route", interface = "wg0", forwarding = true }"#))
        #expect(
            lines.contains(
                #"  bindings[1]   = { match = "2001:db8:1000:20::/56", mode = "address", interface = "br0", host = "::1", split = 64 }"#
            ))
        #expect(!lines.joined().contains("Binding("))

        // A missing default file is read as an empty one (the daemon runs on the defaults); check-config says so.
        let defaults = try AgentConfiguration.parse("", file: AgentConfiguration.defaultPath, environment: [:])
        let missing = defaults.checkLines(path: AgentConfiguration.defaultPath, fileExists: false)
        #expect(missing.first?.hasPrefix("config /etc/hostup-routed/config.toml: not found; the built-in defaults") == true)
        #expect(!missing.contains { $0.hasSuffix(": ok") })
        #expect(missing.contains("  bindings      = (none: every route is bound anyip on lo)"))
    }

    /// `check-config` does not call the file "ok" when it fails on the token, and shows `metrics_file` (the default
    /// too), warning when its directory is missing.
    @Test func checkLinesSayNoOkWithoutATokenAndShowTheMetricsFile() throws {
        let configuration = try parse("")
        let lines = configuration.checkLines(
            path: "/etc/hostup-routed/config.toml", fileExists: true, tokenProblem: "no API token")
        #expect(lines.first == "config /etc/hostup-routed/config.toml: the settings below are valid, but no API token can be used")
        #expect(!lines.contains { $0.hasSuffix(": ok") })
        let defaultLine = try #require(lines.first { $0.hasPrefix("  metrics_file  = ") })
        #expect(defaultLine.hasPrefix("  metrics_file  = \(try #require(configuration.metricsFile)) (the default)"))

        let directory = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let present = try parse(#"metrics_file = "\#(directory)/hostup-routed.prom""#)
        #expect(present.checkLines(path: "c", fileExists: true).contains("  metrics_file  = \(directory)/hostup-routed.prom"))
        let absent = try parse(#"metrics_file = "\#(directory)/missing/hostup-routed.prom""#)
        #expect(absent.checkLines(path: "c", fileExists: true).contains(
            "  metrics_file  = \(directory)/missing/hostup-routed.prom (warning: the directory \(directory)/missing does not exist, so no metrics can be written there)"))
        let none = try parse(#"metrics_file = """#)
        #expect(none.checkLines(path: "c", fileExists: true).contains(#"  metrics_file  = "" (no metrics)"#))
    }

    private func configurationError(_ text: String, environment: [String: String] = [:]) -> ConfigurationError? {
        do {
            _ = try parse(text, environment: environment)
            return nil
        } catch let error as ConfigurationError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test func emptyFileIsAWorkingConfig() throws {
        let configuration = try parse("")
        #expect(configuration == AgentConfiguration())
        #expect(configuration.apiURL == "https://cloud.hostup.se")
        #expect(configuration.pollInterval == .seconds(30))
        #expect(configuration.bindings.isEmpty)
    }

    @Test func readsEveryKey() throws {
        let configuration = try parse(
            """
            api_url = "http://127.0.0.1:8080/"
            vps_id = "vps_01hxa3b4c5d6e7f8g9h0j1k2m5"
            token_file = "/etc/hostup-routed/token"
            poll_interval = "1500ms"
            uplink = "eth0"
            state_dir = "/tmp/state"

            [[bindings]]
            match = "containers"
            mode = "address"
            interface = "br0"
            host = "::a"
            forwarding = true

            [[bindings]]
            match = "2001:db8:1000:100::/56"
            mode = "route"
            interface = "wg0"
            split = 64
            """)
        #expect(configuration.apiURL == "http://127.0.0.1:8080")
        #expect(configuration.vpsID == "vps_01hxa3b4c5d6e7f8g9h0j1k2m5")
        #expect(configuration.tokenFile == "/etc/hostup-routed/token")
        #expect(configuration.pollInterval == .milliseconds(1500))
        #expect(configuration.uplink == "eth0")
        #expect(configuration.stateDirectory == "/tmp/state")
        #expect(configuration.bindings.count == 2)
        #expect(configuration.bindings[0].mode == .address)
        #expect(configuration.bindings[0].host == (try IPv6Address("::a")))
        #expect(configuration.bindings[0].forwarding)
        #expect(configuration.bindings[1].split == 64)
        #expect(configuration.bindings[1].host == (try IPv6Address("::1")))
    }

    @Test func environmentOverridesTopLevelKeys() throws {
        let configuration = try parse(
            "poll_interval = \"30s\"\n",
            environment: ["HOSTUP_ROUTED_POLL_INTERVAL": "5m", "HOSTUP_ROUTED_UPLINK": "ens3"])
        #expect(configuration.pollInterval == .seconds(300))
        #expect(configuration.uplink == "ens3")
    }

    @Test func badEnvironmentValueNamesTheVariable() {
        let error = configurationError("", environment: ["HOSTUP_ROUTED_POLL_INTERVAL": "soon"])
        #expect(error?.key == "HOSTUP_ROUTED_POLL_INTERVAL")
        #expect(error?.file == nil)
    }

    /// A NUL would cut a path short in the C library; an ESC would reach logs and terminals.
    @Test(arguments: [
        ("state_dir = \"/var/lib/x\\u0000y\"", "state_dir", "U+0000"),
        ("api_url = \"https://cloud.hostup.se/\\u001b[31m\"", "api_url", "U+001B"),
        ("vps_id = \"vps_\\u0007\"", "vps_id", "U+0007"), ("token_file = \"/etc/t\\u0085\"", "token_file", "U+0085"),
    ])
    func valuesWithControlCharactersAreRefused(text: String, key: String, code: String) {
        let refused = configurationError("\n" + text)
        #expect(refused?.key == key)
        #expect(refused?.line == 2)
        #expect(refused?.description.contains(code) == true)
        let fromEnvironment = configurationError(
            "", environment: ["HOSTUP_ROUTED_" + key.uppercased(): "a\u{1}b"])
        #expect(fromEnvironment?.key == "HOSTUP_ROUTED_" + key.uppercased())
    }

    @Test func nonlocalBindIsOnUnlessTurnedOff() throws {
        #expect(try parse("").nonlocalBind)
        #expect(try parse("nonlocal_bind = false").nonlocalBind == false)
        #expect(try parse("nonlocal_bind = true", environment: ["HOSTUP_ROUTED_NONLOCAL_BIND": "false"]).nonlocalBind == false)
        let wrongType = configurationError("\n\nnonlocal_bind = \"no\"")
        #expect(wrongType?.key == "nonlocal_bind")
        #expect(wrongType?.line == 3)
        #expect(wrongType?.description.contains("true or false") == true)
        let badVariable = configurationError("", environment: ["HOSTUP_ROUTED_NONLOCAL_BIND": "maybe"])
        #expect(badVariable?.key == "HOSTUP_ROUTED_NONLOCAL_BIND")
    }

    @Test func stateDirectoryFallsBackToSystemd() throws {
        #expect(try parse("", environment: ["STATE_DIRECTORY": "/var/lib/hostup-routed:/other"]).stateDirectory
            == "/var/lib/hostup-routed")
        #expect(try parse("state_dir = \"/srv/x\"", environment: ["STATE_DIRECTORY": "/var/lib/y"]).stateDirectory
            == "/srv/x")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var key: String
        var line: Int?
        var mentions: String
        var testDescription: String { key }
    }

    @Test(arguments: [
        Case(text: "api_url = \"https://x\"\npoll_interval = \"30\"\n", key: "poll_interval", line: 2, mentions: "not a duration"),
        Case(text: "poll_interval = 30\n", key: "poll_interval", line: 1, mentions: "expected a string"),
        Case(text: "poll_interval = \"0s\"\n", key: "poll_interval", line: 1, mentions: "outside"),
        Case(text: "\n\napi_url = \"http://cloud.hostup.se\"\n", key: "api_url", line: 3, mentions: "not loopback"),
        Case(text: "api_url = \"ftp://x\"\n", key: "api_url", line: 1, mentions: "not an http"),
        Case(text: "pol_interval = \"30s\"\n", key: "pol_interval", line: 1, mentions: "unknown key"),
        Case(text: "uplink = \"eth0/1\"\n", key: "uplink", line: 1, mentions: "interface name"),
        Case(text: "state_dir = \"relative\"\n", key: "state_dir", line: 1, mentions: "absolute"),
        Case(text: "token_file = \"token\"\n", key: "token_file", line: 1, mentions: "absolute"),
        Case(text: "vps_id = \"vps 1\"\n", key: "vps_id", line: 1, mentions: "not a VPS id"),
        Case(
            text: "[[bindings]]\nmode = \"anyip\"\n\n[[bindings]]\nmatch = \"*\"\nmode = \"bridge\"\n",
            key: "bindings[1].mode", line: 6, mentions: "not a mode"),
        Case(text: "[[bindings]]\nmode = \"address\"\n", key: "bindings[0].interface", line: 1, mentions: "required"),
        Case(
            text: "[[bindings]]\nmode = \"address\"\ninterface = \"br0\"\nhost = \"::\"\n",
            key: "bindings[0].host", line: 4, mentions: "subnet-router anycast"),
        Case(
            text: "[[bindings]]\nmode = \"address\"\ninterface = \"br0\"\nhost = \"::g\"\n",
            key: "bindings[0].host", line: 4, mentions: "not an IPv6"),
        Case(text: "[[bindings]]\nsplit = 80\n", key: "bindings[0].split", line: 2, mentions: "49...64"),
        Case(
            text: "[[bindings]]\nmode = \"address\"\ninterface = \"br0\"\nhost = \"2001:db8::5\"\n",
            key: "bindings[0].host", line: 4, mentions: "does not fit"),
        Case(text: "[[bindings]]\nmode = \"anyip\"\ninterfce = \"br0\"\n", key: "bindings[0].interfce", line: 3, mentions: "unknown key"),
        Case(text: "[[bindings]]\nforwarding = \"yes\"\n", key: "bindings[0].forwarding", line: 2, mentions: "true or false"),
        Case(text: "[[bindings]]\ninterface = \"br0\"\n", key: "bindings[0].interface", line: 2, mentions: "anyip"),
        Case(text: "poll_interval = \"30s\n", key: "syntax", line: 1, mentions: ""),
    ])
    func errorsNameTheKeyAndLine(_ testCase: Case) throws {
        let error = try #require(configurationError(testCase.text))
        #expect(error.key == testCase.key)
        #expect(error.line == testCase.line)
        #expect(error.file == "config.toml")
        #expect(error.description.contains(testCase.mentions), "\(error)")
        if let line = testCase.line {
            #expect(error.description.hasPrefix("config.toml:\(line): \(testCase.key): "))
        }
    }

    @Test func readsInlineBindingsWithTheirLines() throws {
        let configuration = try parse("bindings = [\n  { match = \"*\", mode = \"anyip\" },\n]\n")
        #expect(configuration.bindings.map(\.mode) == [.anyip])
        let error = try #require(configurationError("bindings = [\n  { mode = \"route\" },\n]\n"))
        #expect(error.key == "bindings[0].interface")
        #expect(error.line == 2)
    }

    @Test(arguments: [
        Case(text: "bindings = 5\n", key: "bindings", line: 1, mentions: "[[bindings]]"),
        Case(text: "\n[bindings]\nmode = \"anyip\"\n", key: "bindings", line: 2, mentions: "[[bindings]]"),
        Case(text: "bindings = [\"x\"]\n", key: "bindings[0]", line: 1, mentions: "expected a table"),
        Case(text: "[[bindings]]\nsplit = 64.0\n", key: "bindings[0].split", line: 2, mentions: "an integer"),
        Case(text: "[[bindings]]\n[bindings.extra]\n", key: "bindings[0].extra", line: 2, mentions: "unknown key"),
        Case(text: "[server]\nport = 1\n", key: "server", line: 1, mentions: "unknown key"),
        Case(text: "\n\"a\\u001bb\" = 1\n", key: "\"a\\u{1B}b\"", line: 2, mentions: "unknown key"),
        Case(text: "[[bindings]]\n'x y' = 1\n", key: "bindings[0].\"x y\"", line: 2, mentions: "unknown key"),
        Case(text: "uplink = \"eth0\"\nuplink = \"eth1\"\n", key: "syntax", line: 2, mentions: "already defined at line 1"),
    ])
    func wrongShapesNameTheKeyAndLine(_ testCase: Case) throws {
        try errorsNameTheKeyAndLine(testCase)
    }

    @Test func missingFileAtTheDefaultPathIsEmptyElsewhereAnError() throws {
        #expect(throws: ConfigurationError.self) {
            try AgentConfiguration.load(path: "/nonexistent/hostup-routed.toml", environment: [:])
        }
    }

    @Test(arguments: [("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("2h", .seconds(7200))])
    func parsesDurations(_ text: String, _ expected: Duration) {
        #expect(Duration(configText: text) == expected)
        #expect(Duration(configText: text)?.configText == text)
    }

    @Test(arguments: ["", "30", "s", "-5s", "1.5s", "5 m", "5M", "10d"])
    func refusesMalformedDurations(_ text: String) {
        #expect(Duration(configText: text) == nil)
    }
}

@Suite struct ShippedConfigTests {
    /// The repository's `config/config.toml`, the package's conffile.
    static let shippedPath: String = {
        var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        return components.joined(separator: "/") + "/config/config.toml"
    }()

    @Test func shippedConfigIsTheDefaults() throws {
        let configuration = try AgentConfiguration.load(path: Self.shippedPath, environment: [:])
        #expect(configuration == AgentConfiguration())
    }

    @Test func shippedExamplesAreValidWhenUncommented() throws {
        let text = try FileIO.readText(Self.shippedPath)
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            // Uncomment `#key = value` and `#[[bindings]]`, drop prose comments.
            if line.hasPrefix("#") && !line.hasPrefix("# ") && line != "#" { return line.dropFirst() }
            return ""
        }.joined(separator: "\n")
        let configuration = try AgentConfiguration.parse(uncommented, file: Self.shippedPath, environment: [:])
        #expect(configuration.vpsID == "vps_01hxa3b4c5d6e7f8g9h0j1k2m5")
        #expect(configuration.bindings.map(\.mode) == [.address, .anyip])
        #expect(configuration.bindings[0].forwarding)
    }
}

@Suite struct APITokenTests {
    @Test(arguments: ["secret-token", "secret-token\n", "secret-token\r\n"])
    func trimsTheLineEnd(_ written: String) throws {
        let directory = temporaryDirectory()
        try FileIO.makeDirectory(directory)
        let path = directory + "/token"
        try FileIO.writeAtomically(Array(written.utf8), to: path, mode: 0o600)
        let token = try APIToken.resolve(tokenFile: path, environment: [:])
        #expect(token.secret == "secret-token")
        #expect(!"\(token)".contains("secret-token"))
        let fromEnvironment = try APIToken.resolve(tokenFile: nil, environment: ["HOSTUP_API_TOKEN": written])
        #expect(fromEnvironment.secret == "secret-token")
    }

    /// A paste that caught an ESC, a second line, a tab, DEL, a C1 control, spaces: refused from every source, with
    /// a message that names the source and never the token (which would otherwise reach an HTTP library's error
    /// text, and the log).
    @Test(arguments: [
        ("secret-token\u{1B}", "U+001B at character 13"), ("secret-token\n\n", "U+000A at character 13"),
        ("secret\ttoken", "U+0009"), ("secret-token\u{7F}", "U+007F"), ("secret-token\u{85}", "U+0085"),
        ("\u{1B}[200~secret-token", "U+001B at character 1"), (" secret-token", "whitespace (U+0020"),
        ("secret token\n", "whitespace"), ("secret-token\r", "U+000D"), ("secret-token\u{0}", "U+0000"),
    ] as [(String, String)])
    func refusesControlCharactersNamingTheSourceNotTheToken(_ written: String, _ position: String) throws {
        let directory = temporaryDirectory()
        try FileIO.makeDirectory(directory)
        let path = directory + "/token"
        try FileIO.writeAtomically(Array(written.utf8), to: path, mode: 0o600)
        let credentials = directory + "/credentials"
        try FileIO.makeDirectory(credentials)
        try FileIO.writeAtomically(Array(written.utf8), to: credentials + "/hostup-api-token", mode: 0o600)
        let sources: [(String?, [String: String], String, String)] = [
            (nil, ["HOSTUP_API_TOKEN": written], "HOSTUP_API_TOKEN", "the environment variable HOSTUP_API_TOKEN"),
            (path, [:], "token_file", path),
            (nil, ["CREDENTIALS_DIRECTORY": credentials], "token", "the systemd credential hostup-api-token"),
        ]
        for (tokenFile, environment, key, source) in sources {
            #expect {
                try APIToken.resolve(tokenFile: tokenFile, environment: environment)
            } throws: { error in
                guard let error = error as? ConfigurationError else { return false }
                let text = "\(error)"
                return error.key == key && text.contains(source) && text.contains(position)
                    && !text.contains("secret") && !text.contains("token\u{1B}")
            }
        }
    }

    @Test func aLoneNewlineIsNoToken() throws {
        // The unit's SetCredential= fallback is a lone newline: "no token here", so the next source is used.
        let directory = temporaryDirectory()
        try FileIO.makeDirectory(directory)
        try FileIO.writeAtomically(Array("\n".utf8), to: directory + "/hostup-api-token")
        let token = try APIToken.resolve(
            tokenFile: nil, environment: ["CREDENTIALS_DIRECTORY": directory, "HOSTUP_API_TOKEN": "from-env"])
        #expect(token.source == "HOSTUP_API_TOKEN")
    }

    /// A file `token` holding `text` with `mode`, in a new directory; its path.
    private func tokenFile(_ text: String, mode: UInt32) throws -> String {
        let directory = temporaryDirectory()
        try FileIO.makeDirectory(directory)
        let path = directory + "/token"
        try FileIO.writeAtomically(Array(text.utf8), to: path, mode: mode)
        return path
    }

    @Test func refusesAGroupReadableTokenFile() throws {
        let path = try tokenFile("t\n", mode: 0o640)
        #expect {
            try APIToken.resolve(tokenFile: path, environment: [:])
        } throws: { error in
            "\(error)".contains("0640") && "\(error)".contains("chmod 600")
        }
    }

    /// The package's token file with mode 0644 was skipped without a word, and the error then named that very file
    /// as a place to put the token (issue 12).
    @Test func aDefaultTokenFileWithOpenPermissionsIsNamedWithItsModeAndTheFix() throws {
        let path = try tokenFile("secret-token\n", mode: 0o644)
        #expect {
            try APIToken.resolve(tokenFile: nil, environment: [:], defaultTokenFile: path)
        } throws: { error in
            let text = "\(error)"
            return (error as? ConfigurationError)?.key == "token" && text.contains("\(path) has mode 0644")
                && text.contains("chmod 600 \(path)") && !text.contains("no API token:") && !text.contains("secret-token")
        }
        // The environment still gives a token.
        let token = try APIToken.resolve(
            tokenFile: nil, environment: ["HOSTUP_API_TOKEN": "from-env"], defaultTokenFile: path)
        #expect(token.source == "HOSTUP_API_TOKEN")
        // Once fixed it is used.
        try FileIO.writeAtomically(Array("secret-token\n".utf8), to: path, mode: 0o600)
        #expect(try APIToken.resolve(tokenFile: nil, environment: [:], defaultTokenFile: path).secret == "secret-token")
    }

    @Test func credentialComesFirst() throws {
        let directory = temporaryDirectory()
        try FileIO.makeDirectory(directory)
        try FileIO.writeAtomically(Array("from-credential\n".utf8), to: directory + "/hostup-api-token")
        let token = try APIToken.resolve(
            tokenFile: nil, environment: ["CREDENTIALS_DIRECTORY": directory, "HOSTUP_API_TOKEN": "from-env"])
        #expect(token.secret == "from-credential")
        #expect(token.source == "credential hostup-api-token")
    }
}

/// Config texts that once stopped the process (TOMLKit 0.6.0's bundled toml++ asserted on `[[[x]]`), and their
/// neighbours: each must be a ``ConfigurationError`` naming the line, from text and from a file.
@Suite struct HostileConfigurationTests {
    struct Input: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var line: Int
        var testDescription: String { name }

        init(_ name: String, _ text: String, line: Int) {
            self.init(name, Array(text.utf8), line: line)
        }

        init(_ name: String, _ bytes: [UInt8], line: Int) {
            self.name = name
            self.bytes = bytes
            self.line = line
        }
    }

    static let megabyte = String(repeating: "x", count: 1 << 20)

    static let inputs: [Input] = [
        Input("[[[x]]", "poll_interval = \"30s\"\n[[[x]]\n", line: 2),
        Input("[[x]", "[[x]\n", line: 1),
        Input("[x", "# comment\n\n[x", line: 3),
        Input("a = [", "a = [", line: 1),
        Input("a = \"\\u", "a = \"\\u", line: 1),
        Input("10000 nested [", "a = " + String(repeating: "[", count: 10_000), line: 1),
        Input("10000 nested [ as headers", String(repeating: "[", count: 10_000), line: 1),
        Input("10000 nested inline tables", "a = " + String(repeating: "{ b = ", count: 10_000), line: 1),
        Input("NUL byte", Array("uplink = \"eth0\"\nmode\0 = 1\n".utf8), line: 2),
        Input("invalid UTF-8", Array("\n\nuplink = \"eth".utf8) + [0xFF, 0x22, 0x0A], line: 3),
        Input("1 MB unterminated line", "uplink = \"" + megabyte, line: 1),
        Input("[[[x]] after a 1 MB comment", "# " + megabyte + "\n[[[x]]\n", line: 2),
        Input("integer overflow", "[[bindings]]\nsplit = 99999999999999999999\n", line: 2),
        Input("UTF-16", [0xFF, 0xFE, 0x61, 0x00], line: 1),
    ]

    @Test(arguments: inputs)
    func isASyntaxErrorNamingTheLine(_ input: Input) throws {
        let error = try #require(throws: ConfigurationError.self) {
            try AgentConfiguration.parse(input.bytes, file: "config.toml", environment: [:])
        }
        #expect(error.key == "syntax")
        #expect(error.line == input.line, "\(error.description.prefix(200))")
        #expect(error.description.hasPrefix("config.toml:\(input.line): syntax: "))
    }

    @Test(arguments: inputs)
    func isASyntaxErrorNamingTheLineWhenLoaded(_ input: Input) throws {
        let directory = temporaryDirectory()
        try FileIO.makeDirectory(directory)
        let path = directory + "/config.toml"
        // Not FileIO.writeAtomically: its fsync(2)s can block a test thread for long on a busy disk.
        try Data(input.bytes).write(to: URL(filePath: path))
        let error = try #require(throws: ConfigurationError.self) {
            try AgentConfiguration.load(path: path, environment: [:])
        }
        #expect(error.key == "syntax")
        #expect(error.file == path)
        #expect(error.line == input.line, "\(error.description.prefix(200))")
    }

    @Test func aMegabyteValueIsReadAndJudged() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try AgentConfiguration.parse("\nstate_dir = \"" + Self.megabyte + "\"\n", file: "config.toml", environment: [:])
        }
        #expect(error.key == "state_dir")
        #expect(error.line == 2)
    }
}
