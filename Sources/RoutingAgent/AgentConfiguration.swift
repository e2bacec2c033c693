import IPv6Addressing
import Reconciliation

/// The agent's settings, validated, with every default filled in.
///
/// Built from `/etc/hostup-routed/config.toml` and `HOSTUP_ROUTED_<KEY>` environment overrides by
/// ``AgentConfiguration/load(path:environment:)``; see DESIGN.md "Config" for the file's keys.
public struct AgentConfiguration: Sendable, Equatable {
    /// The API's base URL, without a trailing slash. Defaults to `https://cloud.hostup.se`.
    /// `http://` is accepted only for loopback hosts (127.0.0.0/8, `::1`, `localhost`).
    public var apiURL: String
    /// This VPS's id (`vps_…`), or `nil` to auto-detect it from the API's `destinations[]`.
    public var vpsID: String?
    /// A file holding the API token (mode 0600 or 0400, owned by root), used when no systemd credential is given.
    public var tokenFile: String?
    /// How often the API is polled, before ±10 % jitter. Defaults to 30 seconds.
    public var pollInterval: Duration
    /// The uplink interface, or `nil` for the interface of the IPv6 default route.
    public var uplink: String?
    /// Where `state.json` is kept. Defaults to `$STATE_DIRECTORY`, then `/var/lib/hostup-routed`.
    public var stateDirectory: String
    /// Where `status.json` (``RuntimeStatus``) is kept: `$RUNTIME_DIRECTORY` (systemd's `RuntimeDirectory=`) when
    /// set; else `/run/hostup-routed` for the default state directory, `<state_dir>/run` for another one (so that
    /// agents with their own state directories do not share it). Not a config key.
    public var runtimeDirectory: String {
        if let runtimeDirectoryOverride { return runtimeDirectoryOverride }
        return stateDirectory == Self.defaultStateDirectory ? Self.defaultRuntimeDirectory : stateDirectory + "/run"
    }
    /// `$RUNTIME_DIRECTORY`, when the environment gave one.
    public var runtimeDirectoryOverride: String?
    /// Where the Prometheus textfile (``MetricsTextfile``) is written, or `nil` when no metrics are written.
    /// Defaults to `/run/hostup-routed-metrics/hostup-routed.prom` for the default state directory (the package
    /// makes that directory and links the file into `/var/lib/prometheus/node-exporter/`, where node_exporter's
    /// textfile collector reads `*.prom`), else to `hostup-routed.prom` in the ``runtimeDirectory`` (so that
    /// agents with their own state directories do not share it). The key is `metrics_file`: an absolute path
    /// ending in `.prom`, or `""` for no metrics.
    public var metricsFile: String? {
        guard let metricsFileSetting else {
            let directory =
                stateDirectory == Self.defaultStateDirectory ? MetricsTextfile.defaultDirectory : runtimeDirectory
            return directory + "/" + MetricsTextfile.defaultFileName
        }
        return metricsFileSetting.isEmpty ? nil : metricsFileSetting
    }
    /// `metrics_file` as configured: `nil` for the default, `""` for none, else the path.
    public var metricsFileSetting: String?
    /// How routes become kernel objects. Empty means one `anyip` binding for every route.
    public var bindings: [Binding]
    /// Whether `net.ipv6.ip_nonlocal_bind` is set to 1 while any prefix is bound `anyip`, so that services can
    /// bind every address of the prefix (IPv6 `bind(2)` to an address that only a `local` route covers fails with
    /// `EADDRNOTAVAIL` otherwise). The sysctl is namespace-wide. Defaults to `true`; the key is `nonlocal_bind`.
    public var nonlocalBind: Bool

    /// The default API base URL.
    public static let defaultAPIURL = "https://cloud.hostup.se"
    /// The default config file path.
    public static let defaultPath = "/etc/hostup-routed/config.toml"
    /// The default state directory when `$STATE_DIRECTORY` is unset.
    public static let defaultStateDirectory = "/var/lib/hostup-routed"
    /// The runtime directory for the default state directory when `$RUNTIME_DIRECTORY` is unset.
    public static let defaultRuntimeDirectory = "/run/hostup-routed"

    public init(
        apiURL: String = AgentConfiguration.defaultAPIURL,
        vpsID: String? = nil,
        tokenFile: String? = nil,
        pollInterval: Duration = .seconds(30),
        uplink: String? = nil,
        stateDirectory: String = AgentConfiguration.defaultStateDirectory,
        bindings: [Binding] = [],
        nonlocalBind: Bool = true
    ) {
        self.nonlocalBind = nonlocalBind
        self.apiURL = apiURL
        self.vpsID = vpsID
        self.tokenFile = tokenFile
        self.pollInterval = pollInterval
        self.uplink = uplink
        self.stateDirectory = stateDirectory
        self.bindings = bindings
    }
}
