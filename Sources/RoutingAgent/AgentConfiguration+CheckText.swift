import FoundationEssentials

extension AgentConfiguration {
    /// What `hostup-routed check-config` prints for a configuration that validated: where it came from, then each
    /// setting as the agent will use it, bindings in config syntax (``Reconciliation/Binding/configText``).
    ///
    /// - Parameters:
    ///   - path: The config file given (`--config`, default ``defaultPath``).
    ///   - fileExists: Whether that file exists. ``load(path:environment:)`` accepts a missing default file (the
    ///     daemon then runs on the built-in defaults, which is what the lines then say); any other missing file is
    ///     an error before this is reached.
    ///   - tokenProblem: Why no API token can be used, when none can: the file is then not called "ok", since
    ///     `check-config` fails (78).
    public func checkLines(path: String, fileExists: Bool, tokenProblem: String? = nil) -> [String] {
        var lines: [String] = []
        if fileExists {
            lines.append(
                tokenProblem == nil
                    ? "config \(path): ok" : "config \(path): the settings below are valid, but no API token can be used")
        } else {
            lines.append(
                "config \(path): not found; the built-in defaults below apply (the daemon runs with them too: every "
                    + "route anyip on lo). Create the file to change them")
        }
        lines.append("  api_url       = \(apiURL)")
        lines.append("  vps_id        = \(vpsID ?? "(auto-detect)")")
        lines.append("  poll_interval = \(pollInterval.configText)")
        lines.append("  uplink        = \(uplink ?? "(interface of the IPv6 default route, remembered once known)")")
        lines.append("  state_dir     = \(stateDirectory)")
        lines.append(
            "  nonlocal_bind = \(nonlocalBind)"
                + (nonlocalBind
                    ? " (net.ipv6.ip_nonlocal_bind=1 while a prefix is bound anyip)"
                    : " (net.ipv6.ip_nonlocal_bind is left alone)"))
        if let metricsFile {
            let directory = String(metricsFile[..<(metricsFile.lastIndex(of: "/") ?? metricsFile.startIndex)])
            let exists = FileManager.default.fileExists(atPath: directory.isEmpty ? "/" : directory)
            lines.append(
                "  metrics_file  = \(metricsFile)"
                    + (metricsFileSetting == nil ? " (the default)" : "")
                    + (exists
                        ? "" : " (warning: the directory \(directory) does not exist, so no metrics can be written there)"))
        } else {
            lines.append(#"  metrics_file  = "" (no metrics)"#)
        }
        if bindings.isEmpty {
            lines.append("  bindings      = (none: every route is bound anyip on lo)")
        }
        for (index, binding) in bindings.enumerated() {
            lines.append("  bindings[\(index)]   = { \(binding.configText) }")
        }
        return lines
    }
}
