import HostUpAPI

/// Renders the API's routed-IPv6 state as readable tables, for `hostup-routed routes list`.
public enum RoutedIPv6Listing {
    /// The pools with their routes, then the destinations, as aligned text. Labels and names are shown with
    /// control characters replaced, so a hostile label cannot break the layout or reach the terminal.
    public static func render(_ state: RoutedIPv6State) -> String {
        var lines: [String] = []
        if state.available == false {
            lines.append("routed IPv6 is not available: \(clean(state.reason ?? "no reason given"))")
        }
        if state.pools.isEmpty {
            let reason = state.actions?.canAllocatePool.allowed == false
                ? " (and cannot be allocated: \(clean(state.actions?.canAllocatePool.reason ?? "no reason given")))"
                : " (allocate one with `hostup-routed pool allocate`)"
            lines.append("no pool" + reason)
        }
        for pool in state.pools {
            var header = "pool \(pool.id)  \(pool.parentCidr)  \(pool.status)  \(pool.routes.count) route\(pool.routes.count == 1 ? "" : "s")"
            if let gate = pool.actions?.canCreateRoute, !gate.allowed {
                header += "  (no new routes: \(clean(gate.reason ?? "no reason given")))"
            }
            lines.append(header)
            let rows = pool.routes.map { route -> [String] in
                let deletable: String
                if let gate = route.actions?.canDelete {
                    deletable = gate.allowed ? "yes" : "no: " + clean(gate.reason ?? "no reason given")
                } else {
                    deletable = "?"
                }
                return [
                    clean(route.prefix), clean(route.id), clean(route.vpsId) + (route.vpsName.map { " (\(clean($0)))" } ?? ""),
                    route.label.map(clean) ?? "-", "\(route.status)", deletable,
                ]
            }
            if !rows.isEmpty {
                lines += table(header: ["PREFIX", "ID", "VPS", "LABEL", "STATUS", "DELETABLE"], rows: rows)
                    .map { "  " + $0 }
            }
        }
        let destinations = state.destinations ?? []
        if !destinations.isEmpty {
            lines.append("destinations")
            let rows = destinations.map { destination -> [String] in
                let gate = destination.actions?.canReceiveRoute
                let receives = gate.map { $0.allowed ? "yes" : "no: " + clean($0.reason ?? "no reason given") } ?? "?"
                return [
                    destination.vpsId, destination.name.map(clean) ?? "-", destination.nextHop ?? "-",
                    destination.primaryIp ?? "-", receives,
                ]
            }
            lines += table(header: ["VPS", "NAME", "NEXT HOP", "PRIMARY IP", "CAN RECEIVE"], rows: rows)
                .map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    /// Left-aligned columns separated by two spaces; the last column is not padded.
    static func table(header: [String], rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                column == row.count - 1 ? row[column] : row[column].padding(to: widths[column])
            }.joined(separator: "  ")
        }
    }

    /// A table cell from API text: every control character (ESC, newlines too, so a cell stays on its line)
    /// written as `\xNN`.
    static func clean(_ text: String) -> String {
        text.replacingNewlinesAndTabs().terminalSafe
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
