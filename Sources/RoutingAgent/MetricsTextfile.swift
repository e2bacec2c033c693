import FoundationEssentials
import Prometheus

/// The agent's figures as a Prometheus text-format file for node_exporter's textfile collector, rendered from the
/// ``RuntimeStatus`` the agent has just stored.
///
/// node_exporter (`--collector.textfile.directory`, `/var/lib/prometheus/node-exporter` in Debian's
/// `prometheus-node-exporter`) reads every `*.prom` file in its directory at each scrape and follows symbolic
/// links. The file is replaced atomically (written as `NAME.tmp`, which the collector ignores, then renamed over
/// `NAME` in the same directory), so a scrape sees the old figures or the new ones, never half a file; it is given
/// mode 0644 with fchmod(2), whatever the umask (the packaged unit's is 0077), so that node_exporter, running as
/// its own user, can read it. Samples carry no timestamps: node_exporter refuses a textfile whose samples have
/// them. The text is made by swift-prometheus's `PrometheusCollectorRegistry`, not by hand.
///
/// Series (counters are this daemon run's, from zero at its start; `steps_total` counts since the runtime status
/// was started: boot, for the package's `/run/hostup-routed`, a tmpfs; a `state_dir` of one's own keeps it in
/// `<state_dir>/run`, across reboots too):
/// - `hostup_routed_routes{state}` gauge: routes by ``StatusReport/RouteState`` (``RuntimeStatus/routeTally``):
///   `refused`, `kernel-error`, `conflict`, `binding-problem`, `deferred`, `pending`, `applied`. Absent before the
///   first reconcile.
/// - `hostup_routed_last_sync_timestamp_seconds` gauge: when a valid answer was last applied (Unix time).
/// - `hostup_routed_last_step_timestamp_seconds` gauge: when the last step (fetch and reconcile) ended.
/// - `hostup_routed_steps_total` counter: steps ended, successful or not.
/// - `hostup_routed_errors_total{code}` counter: steps and repairs that failed, by ``RuntimeStatus/Failure/Code``.
/// - `hostup_routed_kernel_errors_total` counter: kernel operations that failed.
/// - `hostup_routed_repairs_total`, `hostup_routed_repairs_held_back_total` counters: repair passes run after the
///   kernel changed under the agent, and those the rate limit delayed.
/// - `hostup_routed_kernel_resyncs_total{reason}` counter: fresh dumps that replaced the kernel mirror.
/// - `hostup_routed_kernel_dumps_total` counter: full dumps of links, addresses and routes.
public struct MetricsTextfile: Sendable {
    /// The file, an absolute path ending in `.prom`.
    public var path: String

    /// The file's name when `metrics_file` is not set.
    public static let defaultFileName = "hostup-routed.prom"
    /// The directory of the file when `metrics_file` is not set and the state directory is the default one:
    /// the package's tmpfiles.d makes it (root, group `hostup-routed-metrics`, mode 0775) and the unit lets the
    /// service write it through that group. The runtime directory cannot serve: with `DynamicUser=` systemd puts it
    /// below `/run/private` (mode 0700), which node_exporter cannot traverse.
    public static let defaultDirectory = "/run/hostup-routed-metrics"
    /// The namespace of every series: their names start with `hostup_routed_`.
    public static let namespace = "hostup_routed"

    public init(path: String) {
        self.path = path
    }

    /// Why `path` cannot be a metrics textfile, or `nil` when it can: it must be absolute and name a file whose
    /// name ends in `.prom` (node_exporter reads no other).
    public static func problem(withPath path: String) -> String? {
        guard path.hasPrefix("/") else { return "is not an absolute path" }
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard name.hasSuffix(".prom"), name.count > ".prom".count else {
            return
                "does not name a file ending in .prom (node_exporter's textfile collector reads only *.prom)"
        }
        return nil
    }

    /// Replaces the file with the figures of `status`. The directory must exist; it is not created.
    ///
    /// - Throws: `FileIO.Error` when the directory cannot be opened (missing, or not writable: a read-only file
    ///   system) or the file cannot be written or renamed.
    public func write(_ status: RuntimeStatus) throws {
        let slash = path.lastIndex(of: "/") ?? path.startIndex
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        try FileIO.replace(name, in: directory, with: Self.render(status), mode: 0o644)
    }

    /// The Prometheus text exposition format (version 0.0.4) of `status`'s figures, with `# HELP` and `# TYPE`
    /// lines and no timestamps.
    public static func render(_ status: RuntimeStatus) -> [UInt8] {
        let registry = PrometheusCollectorRegistry()
        // `hostup_routed_NAME_UNIT`; the unit is `total` for a counter, `seconds` for a time, `""` for a count.
        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: namespace, metricName: name, unitName: unit, helpText: help)
        }
        func count(_ name: String, _ value: Int, labels: [(String, String)] = [], help: String) {
            registry.makeCounter(descriptor: descriptor(name, "total", help), labels: labels)
                .increment(by: Int64(value))
        }
        if let routes = status.routeTally {
            let routesByState = descriptor("routes", "", "Routes for this VPS by state after the last reconcile.")
            for (state, number) in routes.byState {
                registry.makeGauge(descriptor: routesByState, labels: [("state", state.rawValue)]).set(Double(number))
            }
        }
        if let lastSync = status.lastSync {
            let help = "When a valid API answer was last applied to the kernel, in seconds since the Unix epoch."
            registry.makeGauge(descriptor: descriptor("last_sync_timestamp", "seconds", help))
                .set(lastSync.timeIntervalSince1970)
        }
        if let lastStepEnd = status.lastStepEnd {
            let help = "When the last step (fetch and reconcile) ended, in seconds since the Unix epoch."
            registry.makeGauge(descriptor: descriptor("last_step_timestamp", "seconds", help))
                .set(lastStepEnd.timeIntervalSince1970)
        }
        count(
            "steps", status.steps,
            help: "Steps (fetch and reconcile) ended since the runtime status was started (boot, for the package's "
                + "/run/hostup-routed), successful or not.")
        let counters = status.counters
        for code in RuntimeStatus.Failure.Code.allCases {
            count(
                "errors", counters.failures[code.rawValue] ?? 0, labels: [("code", code.rawValue)],
                help: "Steps and repairs that failed, by error code.")
        }
        count(
            "kernel_errors", counters.kernelErrors,
            help: "Kernel operations (rtnetlink requests, sysctl writes) that failed.")
        count("repairs", counters.repairs, help: "Reconcile passes run because the kernel changed under the agent.")
        count("repairs_held_back", counters.repairsHeldBack, help: "Repair passes delayed by the repair rate limit.")
        let reasons = Set(Agent.ResyncReason.allCases.map(\.rawValue)).union(counters.resyncs.keys).sorted()
        for reason in reasons {
            count(
                "kernel_resyncs", counters.resyncs[reason] ?? 0, labels: [("reason", reason)],
                help: "Fresh kernel dumps that replaced the agent's mirror of the kernel, by reason.")
        }
        count("kernel_dumps", counters.kernelDumps, help: "Full dumps of links, addresses and routes.")
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
