import FoundationEssentials

extension StatusReport {
    /// What `hostup-routed status` prints: the VPS, the last sync, the kernel's summary, then one line per route
    /// with its state, followed by its bindings and, when it is not applied, each reason; then what a reconcile
    /// would run, refusals, and problems that concern no single route. Each entry is one line: a line break or tab in
    /// an API string (a label, an id, a reason) is written as `\x0a` / `\x09`, so it cannot forge another line.
    ///
    /// - Parameters:
    ///   - now: The time the sync's age is measured to.
    ///   - lastSyncUnknown: The runtime status could not be read: the last sync is unknown, not "never".
    public func lines(now: Date, lastSyncUnknown: Bool = false) -> [String] {
        var lines: [String] = []
        lines.append(
            "vps:        \(vpsId ?? (stateUnreadable == nil ? "unknown (not synced yet)" : "unknown (the state file cannot be read)"))")
        let sync: String
        if let lastSync {
            sync = "\(lastSync) (\(Int(max(0, now.timeIntervalSince(lastSync)))) s ago)"
        } else {
            sync = lastSyncUnknown ? "unknown (the runtime status cannot be read)" : "never"
        }
        lines.append("last sync:  \(sync)")
        if let lastError { lines.append("last error: \(lastError)") }
        let pending = pendingOperations.count
        let problemCount = problems.count
        if let stateUnreadable { lines.append("state:      cannot be read: \(stateUnreadable)") }
        lines.append(
            "kernel:     "
                + (stateUnreadable != nil
                    ? "unknown: no plan is made from a state file that cannot be read"
                    : inSync
                    ? "in sync"
                    : "not in sync: \(pending) operation\(pending == 1 ? "" : "s") pending, "
                        + "\(problemCount) problem\(problemCount == 1 ? "" : "s")"
                        + (summary.kernelError == 0
                            ? "" : ", \(summary.kernelError) route\(summary.kernelError == 1 ? "" : "s") the kernel refused")))
        lines.append("routes:     " + (summary.routes == 0 ? "(none)" : stateCounts))
        for route in routes {
            var line = "  \(route.prefix)  \(route.id)"
            if let label = route.label { line += "  \"\(label.replacing("\\", with: "\\\\").replacing("\"", with: "\\\""))\"" }
            line += "  " + (route.applied ? "applied" : route.state.rawValue.uppercased().split(separator: "-").joined(separator: " "))
            if let since = route.awaitingRemovalSince { line += "  (no longer listed since \(since))" }
            lines.append(line)
            for binding in route.bindings { lines.append("      \(binding)") }
            for object in route.objects {
                lines.append("      \(object.state.rawValue.padding(12)) \(object.kind.rawValue): \(object.object)")
            }
            for reason in route.reasons { lines.append("      why: \(reason)") }
        }
        for line in pendingOperations { lines.append("pending:    \(line)") }
        for line in refusals { lines.append("refused:    \(line)") }
        // Deferrals, conflicts and binding problems of a route are shown under it; the rest here.
        for line in otherProblems { lines.append("problem:    \(line)") }
        return lines.map { $0.replacingNewlinesAndTabs() }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
