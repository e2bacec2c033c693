import FoundationEssentials

/// What `hostup-routed doctor` found: every check it ran, and one finding per thing that is wrong.
///
/// The JSON form (`doctor --json`) is a stable schema:
/// ```json
/// {"healthy": false,
///  "checks": [{"name": "token", "status": "ok", "detail": "token_file /etc/hostup-routed/token"}],
///  "findings": [{"check": "forward-policy", "severity": "problem", "subject": "nft inet filter forward",
///                "message": "…", "remedy": "…"}]}
/// ```
/// `healthy` is `true` when no finding has severity `problem`. `status` of a check is the worst severity of its
/// findings, or `ok`. Names and severities are the raw values of ``DoctorCheck`` and ``DoctorSeverity``; new
/// checks may be added, none is renamed.
public struct DoctorReport: Encodable, Sendable, Equatable {
    /// One check that ran.
    public struct Check: Encodable, Sendable, Equatable {
        /// The check's name (``DoctorCheck``).
        public var name: DoctorCheck
        /// `ok`, or the worst severity among its findings.
        public var status: String
        /// What the check saw when it passed (the uplink and where its default route came from, the matching
        /// destination); `nil` when it has nothing to add.
        public var detail: String?
    }

    /// `true` when no finding is a ``DoctorSeverity/problem``.
    public var healthy: Bool
    /// The checks, in the order they ran.
    public var checks: [Check]
    /// What is wrong, in the order found.
    public var findings: [DoctorFinding]

    /// Builds the report of checks that ran (each with its optional detail) and the findings.
    public init(checks: [(DoctorCheck, String?)], findings: [DoctorFinding]) {
        self.findings = findings
        self.healthy = !findings.contains { $0.severity == .problem }
        self.checks = checks.map { name, detail in
            let worst = findings.filter { $0.check == name }.map(\.severity).max()
            return Check(name: name, status: worst?.rawValue ?? "ok", detail: detail)
        }
    }

    /// The report of a doctor that could not start because the configuration does not load: one `config` problem
    /// with the loader's error (file, line, key), so `doctor --json` still tells a script `healthy: false`.
    public static func unusableConfiguration(_ error: String) -> DoctorReport {
        DoctorReport(
            checks: [(.config, nil)],
            findings: [
                DoctorFinding(
                    .config, .problem, error, remedy: "fix the config (hostup-routed check-config shows what it reads)")
            ])
    }

    /// The report with every `hostup-routed COMMAND` in a remedy given `--config path`, for a doctor run with a
    /// config other than ``AgentConfiguration/defaultPath``: the command it suggests then reads the same file.
    public func naming(config path: String) -> DoctorReport {
        guard path != AgentConfiguration.defaultPath else { return self }
        var named = self
        for index in named.findings.indices {
            named.findings[index].remedy = named.findings[index].remedy?
                .replacing("hostup-routed ", with: "hostup-routed --config \(path.contains(" ") ? "'\(path)'" : path) ")
        }
        return named
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The one summary line the text form ends with, e.g. `doctor: 11 checks, no problems` or
    /// `doctor: 11 checks, 2 problems, 1 warning`.
    public var summary: String {
        func count(_ severity: DoctorSeverity, _ noun: String) -> String? {
            let n = findings.filter { $0.severity == severity }.count
            return n == 0 ? nil : "\(n) \(noun)\(n == 1 ? "" : "s")"
        }
        let parts = [count(.problem, "problem"), count(.warning, "warning"), count(.skipped, "skipped check")]
            .compactMap { $0 }
        let checks = "\(checks.count) check\(checks.count == 1 ? "" : "s")"
        return "doctor: \(checks), " + (parts.isEmpty ? "no problems" : parts.joined(separator: ", "))
    }
}

/// How bad a finding is.
public enum DoctorSeverity: String, Encodable, Sendable, Comparable, CaseIterable {
    /// Could not be checked (a tool is missing, no permission); says what to install or how to run.
    case skipped
    /// Works now, but is fragile or not as the agent expects.
    case warning
    /// Breaks a routed prefix, or the agent itself. `doctor` exits non-zero.
    case problem

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The checks `doctor` runs, by their stable names.
public enum DoctorCheck: String, Encodable, Sendable, CaseIterable {
    /// The config file loads; reported only when it does not (no other check runs then).
    case config
    /// An API token is found, its file is owned by root with mode 0600/0400.
    case token
    /// The API host resolves (getaddrinfo(3)).
    case dns
    /// A TCP connection to the API host's port opens.
    case tcp
    /// The API answers `GET /api/v2/routed-ipv6` (over TLS for https): the token is valid and has its scopes.
    case api
    /// The local clock is within ``DoctorChecks/maximumClockSkewSeconds`` of the API's `Date` header.
    case clock
    /// Which destination is this VPS, and why.
    case identity
    /// The uplink exists, has a default route, and where that route came from.
    case uplink
    /// `forwarding` and the uplink's `accept_ra` together keep the RA default route (the lockout rule).
    case forwarding
    /// The destination's `nextHop` is assigned to the uplink.
    case nextHop = "next-hop"
    /// Each bound interface exists and has IPv6.
    case bindings
    /// Each route's kernel objects are present, owned by the agent, and not tentative or `dadfailed`.
    case routes
    /// No ip6tables/nftables `FORWARD` policy drops forwarded traffic of forwarding bindings.
    case forwardPolicy = "forward-policy"
    /// Whether systemd-networkd manages the uplink.
    case networkd
}

/// One thing that is wrong, with what to do about it.
public struct DoctorFinding: Encodable, Sendable, Equatable {
    /// The check that found it.
    public var check: DoctorCheck
    /// How bad it is.
    public var severity: DoctorSeverity
    /// What it is about: an interface, a prefix, a file, a firewall chain; `nil` for the host as a whole.
    public var subject: String?
    /// What is wrong, in one sentence.
    public var message: String
    /// What to do, as a command where there is one.
    public var remedy: String?

    public init(
        _ check: DoctorCheck, _ severity: DoctorSeverity, subject: String? = nil, _ message: String,
        remedy: String? = nil
    ) {
        self.check = check
        self.severity = severity
        self.subject = subject
        self.message = message
        self.remedy = remedy
    }

    /// The text line: `problem [forward-policy] nft inet filter forward: … — do: …`; one line, whatever the
    /// message holds (a line break in an error's text becomes a space).
    public var line: String {
        var text = "\(severity.rawValue) [\(check.rawValue)] "
        if let subject { text += "\(subject): " }
        text += message
        if let remedy { text += " — do: \(remedy)" }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingPrefix(while: \.isWhitespace) }
            .joined(separator: " ")
    }
}
