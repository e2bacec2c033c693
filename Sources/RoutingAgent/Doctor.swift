#if canImport(Glibc)
import Glibc
#endif
import HostUpAPI
import IPv6Addressing
import Logging
import Netlink
import Reconciliation

/// `hostup-routed doctor`: runs every check of ``DoctorCheck`` against this host and the API, read-only, and
/// gathers what is wrong into a ``DoctorReport``.
///
/// Nothing is written: not the kernel, not the state file, not a firewall. The firewall dumps come from
/// `runTool`, which the command line gives (the daemon never runs a tool). A check that depends on one that
/// failed (TCP after DNS, the API after the token) is left out of the report; the earlier finding says why.
public struct Doctor: Sendable {
    /// What a tool run printed.
    public struct ToolOutput: Sendable {
        /// The exit status (128 + the signal when it was killed).
        public var status: Int32
        /// Its standard output.
        public var standardOutput: [UInt8]
        /// Its standard error.
        public var standardError: [UInt8]

        public init(status: Int32, standardOutput: [UInt8], standardError: [UInt8]) {
            self.status = status
            self.standardOutput = standardOutput
            self.standardError = standardError
        }
    }

    /// Runs a tool found on `PATH` with arguments; `nil` when it is not installed.
    public typealias ToolRunner = @Sendable (_ name: String, _ arguments: [String]) async -> ToolOutput?

    let configuration: AgentConfiguration
    let environment: [String: String]
    let runTool: ToolRunner
    let logger: Logger
    let networkdLinks: String
    let now: @Sendable () -> Int64

    /// Creates a doctor.
    ///
    /// - Parameters:
    ///   - configuration: The loaded configuration.
    ///   - environment: The process environment (the token's sources).
    ///   - runTool: Runs `nft`, `ip6tables-nft-save`, `ip6tables-legacy-save`.
    ///   - logger: For the API client's debug lines.
    ///   - networkdLinks: systemd-networkd's per-link state files. Defaults to `/run/systemd/netif/links`.
    ///   - now: The local clock, seconds since the epoch. Defaults to time(2).
    public init(
        configuration: AgentConfiguration, environment: [String: String], runTool: @escaping ToolRunner,
        logger: Logger, networkdLinks: String = "/run/systemd/netif/links",
        now: @escaping @Sendable () -> Int64 = { Int64(time(nil)) }
    ) {
        self.configuration = configuration
        self.environment = environment
        self.runTool = runTool
        self.logger = logger
        self.networkdLinks = networkdLinks
        self.now = now
    }

    /// Runs every check.
    ///
    /// - Parameters:
    ///   - kernel: The kernel to read (one dump, a few sysctls).
    ///   - version: The agent's version, for the API client's `User-Agent`.
    public func run(kernel: some NetworkKernel, version: String) async -> DoctorReport {
        var checks: [(DoctorCheck, String?)] = []
        var findings: [DoctorFinding] = []
        func record(_ check: DoctorCheck, _ outcome: DoctorChecks.Outcome) {
            checks.append((check, outcome.detail))
            findings += outcome.findings
        }

        // The token: the owner and mode of the file the agent reads (token_file, else the package's file), then
        // whether any source gives one. A file that fails its checks is the one finding: the "no usable token"
        // that follows from it says the same again.
        var tokenFindings: [DoctorFinding] = []
        let tokenFile = configuration.tokenFile ?? APIToken.defaultTokenFile
        if let status = try? FileIO.status(tokenFile) {
            tokenFindings += DoctorChecks.tokenFile(path: tokenFile, owner: UInt32(status.owner), mode: UInt32(status.mode))
        }
        let token: APIToken?
        do {
            token = try APIToken.resolve(tokenFile: configuration.tokenFile, environment: environment)
        } catch {
            token = nil
            if tokenFindings.isEmpty {
                tokenFindings.append(
                    DoctorFinding(
                        .token, .problem, "\(error)",
                        remedy: "install -m 0600 /dev/stdin \(tokenFile) <<< \"$TOKEN\""))
            }
        }
        record(.token, (token.map { "from \($0.source)" }, tokenFindings))

        // The API: DNS, TCP, then one GET (TLS for https, the token's scopes, the server's clock).
        var document: RoutedIPv6State?
        if let (host, port) = APIReachability.hostAndPort(of: configuration.apiURL) {
            switch APIReachability.resolve(host: host, port: port) {
            case .failure(let failure):
                record(
                    .dns,
                    (
                        nil,
                        [
                            DoctorFinding(
                                .dns, .problem, subject: host, "the API host does not resolve: \(failure)",
                                remedy: "check /etc/resolv.conf and the api_url in the config")
                        ]
                    ))
            case .success(let endpoints):
                record(.dns, ("\(host): \(endpoints.map(\.address).joined(separator: ", "))", []))
                var errors: [String] = []
                var reached: APIReachability.Endpoint?
                for endpoint in endpoints {
                    switch APIReachability.connect(to: endpoint, timeoutMilliseconds: 3000) {
                    case .success: reached = endpoint
                    case .failure(let failure): errors.append("\(endpoint): \(failure)")
                    }
                    if reached != nil { break }
                }
                if let reached {
                    record(.tcp, ("connected to \(reached)", []))
                    if let token {
                        let (outcomes, answer) = await probeAPI(token: token, version: version)
                        for (check, outcome) in outcomes { record(check, outcome) }
                        document = answer
                    }
                } else {
                    record(
                        .tcp,
                        (
                            nil,
                            [
                                DoctorFinding(
                                    .tcp, .problem, subject: "\(host) port \(port)",
                                    "no TCP connection to the API: \(errors.joined(separator: "; "))",
                                    remedy: "check the default route, a firewall's OUTPUT rules, or a proxy")
                            ]
                        ))
                }
            }
        } else {
            record(.dns, (nil, [DoctorFinding(.dns, .problem, "api_url \"\(configuration.apiURL)\" has no host")]))
        }

        // The kernel.
        let facts: HostFacts
        do {
            facts = try HostFacts.read(from: kernel, networkdLinks: networkdLinks)
        } catch {
            record(.uplink, (nil, [DoctorFinding(.uplink, .problem, "cannot read the kernel's links, addresses and routes: \(error)")]))
            return DoctorReport(checks: checks, findings: findings)
        }
        let state: PersistedState
        var stateUnreadable: DoctorFinding?
        do {
            state = try StateStore(directory: configuration.stateDirectory).load()
        } catch {
            state = PersistedState()
            stateUnreadable = DoctorChecks.stateUnreadable(error)
        }

        // Identity: from the answer when there is one.
        var destination: Destination?
        if let document {
            let (outcome, found) = DoctorChecks.identity(
                configured: configuration.vpsID, document: document, local: .current())
            record(.identity, outcome)
            destination = found
        }

        let uplink = Agent.uplink(configured: configuration.uplink, remembered: state.uplink, observed: facts.observed)
        record(.uplink, DoctorChecks.uplink(uplink, facts: facts))
        let bindingsForward = configuration.bindings.contains(where: \.forwarding)
        record(.forwarding, DoctorChecks.forwarding(uplink: uplink, facts: facts, bindingsForward: bindingsForward))
        if let destination {
            record(.nextHop, DoctorChecks.nextHop(destination.nextHop, uplink: uplink, facts: facts))
        }
        // The routes the agent applies (its state file), and any the API lists for this VPS that it does not.
        let (desired, _) = DesiredStateBuilder.build(
            routes: state.routes.map(\.routedPrefix), bindings: configuration.bindings, uplink: uplink,
            nonlocalBind: configuration.nonlocalBind)
        let used = Set(desired.addresses.map(\.interface) + desired.routes.compactMap(\.interface))
        record(.bindings, DoctorChecks.bindings(configuration.bindings, facts: facts, used: used))
        // Binding problems, refusals and kernel errors as `status` judges them (one computation: StatusReport).
        var routes: DoctorChecks.Outcome
        var known = Set(state.routes.map(\.id))
        do {
            let report = try await statusReport(kernel: kernel)
            let judged = DoctorChecks.routeStates(report)
            known.formUnion(report.routes.map(\.id))
            routes = DoctorChecks.routes(
                desired: desired, ownership: state.ownership, facts: facts,
                skipping: Set(report.routes.filter { DoctorChecks.routeStatesReported.contains($0.state) }.map(\.id)))
            routes.findings = judged + routes.findings
        } catch {
            routes = DoctorChecks.routes(desired: desired, ownership: state.ownership, facts: facts)
            routes.findings.insert(
                DoctorFinding(
                    .routes, .warning, "cannot judge the routes as status does: \(error)",
                    remedy: "hostup-routed status"), at: 0)
        }
        if let document, let vpsID = destination?.vpsId {
            let applied = known
            for pool in document.pools {
                for route in pool.routes where route.vpsId == vpsID && route.status == .active && !applied.contains(route.id) {
                    routes.findings.append(
                        DoctorFinding(
                            .routes, .warning, subject: route.prefix,
                            "the API routes this prefix (\(route.id)) to this VPS, but the agent has not applied it yet",
                            remedy: "hostup-routed sync (is the daemon running? systemctl status hostup-routed)"))
                }
            }
        }
        routes.findings += DoctorChecks.shadowed(desired: desired, facts: facts, uplink: uplink)
        if let stateUnreadable { routes.findings.insert(stateUnreadable, at: 0) }
        record(.routes, routes)

        if bindingsForward {
            let interfaces = Array(
                Set(configuration.bindings.filter(\.forwarding).compactMap(\.interface))
            ).sorted()
            record(.forwardPolicy, await forwardPolicy(interfaces: interfaces, uplink: uplink))
        }

        let managed = uplink.map { facts.networkdManaged.contains($0) } ?? false
        record(
            .networkd,
            (
                uplink.map { managed ? "systemd-networkd manages \($0)" : "systemd-networkd does not manage \($0)" },
                []
            ))
        return DoctorReport(checks: checks, findings: findings)
    }

    /// What `hostup-routed status` shows: a dry-run reconcile of the remembered routes, read-only (the state file
    /// is read, never set aside), with the refusals of the last runtime status.
    ///
    /// - Throws: ``StateStore/Error`` or the kernel's error when the dry run cannot read it.
    private func statusReport(kernel: some NetworkKernel) async throws -> StatusReport {
        let agent = try Agent(
            configuration: configuration, client: nil, kernel: kernel,
            store: StateStore(directory: configuration.stateDirectory), logger: logger, networkdLinks: networkdLinks,
            readOnly: true)
        let runtime = RuntimeStatusStore(directory: configuration.runtimeDirectory).load() ?? RuntimeStatus()
        return try await agent.dryRunStatus(runtime: runtime)
    }

    /// `GET /api/v2/routed-ipv6` once: records `api` (TLS, token, scopes) and `clock`.
    private func probeAPI(
        token: APIToken, version: String
    ) async -> ([(DoctorCheck, DoctorChecks.Outcome)], RoutedIPv6State?) {
        func failure(_ error: HostUpAPIError) -> DoctorFinding {
            DoctorChecks.apiFailure(
                error, tokenSource: "\(token.source)", tokenFile: configuration.tokenFile ?? APIToken.defaultTokenFile,
                https: configuration.apiURL.hasPrefix("https://"))
        }
        let client: HostUpClient.Configuration
        do {
            client = try HostUpClient.Configuration(baseURL: configuration.apiURL, token: token.secret, version: version)
        } catch let error as HostUpAPIError {
            return ([(.api, (nil, [failure(error)]))], nil)
        } catch {
            return ([(.api, (nil, [DoctorFinding(.api, .problem, "\(error)", remedy: "fix api_url in the config")]))], nil)
        }
        do {
            let probe = try await HostUpClient.withClient(configuration: client, logger: logger) { client in
                try await client.routedIPv6Probe()
            }
            let tls = configuration.apiURL.hasPrefix("https://") ? "TLS verified, " : ""
            return (
                [
                    (.api, ("\(tls)the token reads the state document (read:network, read:vm)", [])),
                    (.clock, DoctorChecks.clock(local: now(), server: probe.serverDate)),
                ], probe.state
            )
        } catch let error as HostUpAPIError {
            return ([(.api, (nil, [failure(error)]))], nil)
        } catch {
            return ([(.api, (nil, [DoctorFinding(.api, .problem, "\(error)")]))], nil)
        }
    }

    /// Reads the forward-hook chains through `ip6tables-nft-save`, `ip6tables-legacy-save` and `nft -j list
    /// ruleset`, each when installed. iptables-nft's own chains (table `filter` of family `ip6`) are judged from
    /// its save output, not again from nft's.
    private func forwardPolicy(interfaces: [String], uplink: String?) async -> DoctorChecks.Outcome {
        guard !interfaces.isEmpty else { return ("no forwarding binding names an interface", []) }
        var findings: [DoctorFinding] = []
        var read: [String] = []
        var missing: [String] = []
        var drops: [ForwardPolicy.Drop] = []
        func failed(_ tool: String, _ output: ToolOutput) {
            let message = String(decoding: output.standardError, as: UTF8.self).split(separator: "\n").first ?? ""
            findings.append(
                DoctorFinding(
                    .forwardPolicy, .skipped, subject: tool, "exited \(output.status): \(message)",
                    remedy: "run doctor as root"))
        }
        for tool in ["ip6tables-nft", "ip6tables-legacy"] {
            guard let output = await runTool("\(tool)-save", []) else {
                missing.append("\(tool)-save")
                continue
            }
            guard output.status == 0 else {
                failed("\(tool)-save", output)
                continue
            }
            read.append("\(tool)-save")
            drops += ForwardPolicy.ip6tablesDrops(
                save: String(decoding: output.standardOutput, as: UTF8.self), tool: tool, interfaces: interfaces,
                uplink: uplink)
        }
        if let output = await runTool("nft", ["-j", "list", "ruleset"]) {
            if output.status == 0 {
                do {
                    let nftDrops = try ForwardPolicy.nftablesDrops(
                        json: output.standardOutput, interfaces: interfaces, uplink: uplink)
                    let judged = read.contains("ip6tables-nft-save")
                    drops += nftDrops.filter { !(judged && $0.chain == "nft ip6 filter FORWARD") }
                    read.append("nft")
                } catch {
                    findings.append(DoctorFinding(.forwardPolicy, .skipped, subject: "nft", "\(error)"))
                }
            } else {
                failed("nft", output)
            }
        } else {
            missing.append("nft")
        }
        if !missing.isEmpty {
            findings.append(
                DoctorFinding(
                    .forwardPolicy, .skipped, subject: missing.joined(separator: ", "),
                    "not installed: rules made with \(missing.count == 1 ? "it are" : "them are") not checked",
                    remedy: "apt-get install \(missing.contains("nft") ? "nftables " : "")\(missing.contains { $0.hasPrefix("ip6tables") } ? "iptables" : "")"))
        }
        findings += DoctorChecks.forwardPolicy(drops)
        return ("read with \(read.isEmpty ? "nothing" : read.joined(separator: ", ")) for \(interfaces.joined(separator: ", "))", findings)
    }
}
