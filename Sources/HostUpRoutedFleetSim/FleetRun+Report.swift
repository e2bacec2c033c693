/// What a run prints: a text plot of the request rate and its figures.
extension FleetRun {
    /// The goal: no second after the disturbance busier than this many times the steady mean.
    static let defaultGoal = 1.2

    /// Whether the busiest second after the disturbance stays within `goal` × the steady mean.
    func meets(goal: Double) -> Bool { Double(peakAfter.requests) <= goal * steadyMean }

    /// Requests per second over time, a row per bucket from a minute before the disturbance to five minutes after
    /// it ended: the bucket's mean rate (`#`) and its busiest second (`+`), on a scale where the steady mean is the
    /// `|` halfway across; a bar cut at twice the mean ends in `>`. Buckets are `bucket` seconds, or a multiple of
    /// it so that there are at most `rows`.
    func plot(bucket base: Int, rows: Int = 60, width: Int = 50) -> String {
        let from = max(0, scenario.eventAt - 60)
        let to = min(scenario.end, scenario.afterFrom + 300)
        let bucket = base * max(1, (to - from + base * rows - 1) / (base * rows))
        let scale = Double(width) / (2 * steadyMean)
        let ruler = "0" + String(repeating: " ", count: width / 2 - 5) + "mean x1"
            + String(repeating: " ", count: width / 2 - 7) + "x2"
        var lines = [
            "requests per second in \(bucket)-s buckets: the mean (#) and the busiest second (+); | is the steady mean",
            "\(pad("t (s)", 6))  \(pad("req/s", 7))  \(pad("peak", 7))  \(ruler)",
        ]
        var start = from
        while start < to {
            let seconds = perSecond[start..<min(to, start + bucket)]
            let mean = Double(seconds.reduce(0, +)) / Double(seconds.count)
            let top = seconds.max() ?? 0
            let meanColumns = min(width, Int((mean * scale).rounded()))
            let topColumns = min(width, Int((Double(top) * scale).rounded()))
            var bar = Array(repeating: Character("#"), count: meanColumns)
                + Array(repeating: Character("+"), count: topColumns - meanColumns)
            if bar.count < width / 2 + 1 { bar += Array(repeating: " ", count: width / 2 + 1 - bar.count) }
            if bar[width / 2] == " " { bar[width / 2] = "|" }
            if Double(top) * scale > Double(width) { bar.append(">") }
            let figures = "\(pad(String(start), 6))  \(pad(String(Int(mean.rounded())), 7))  \(pad(String(top), 7))"
            lines.append("\(figures)  \(String(bar))")
            start += bucket
        }
        return lines.map { $0.trailingSpacesRemoved }.joined(separator: "\n")
    }

    /// One row of the results table (markdown), the peak after the disturbance held to `goal`.
    func tableRow(goal: Double) -> String {
        let mean = steadyMean
        let after = peakAfter
        let during = peakDuring.map {
            "\(grouped($0.requests)) (×\(ratio(Double($0.requests) / mean))) at \($0.second) s"
        }
        var cells = [scenario.name, grouped(agents), grouped(Int(mean.rounded()))]
        cells.append(measuredSteadyMean.map { grouped(Int($0.rounded())) } ?? "–")
        cells.append(during ?? "–")
        cells.append("\(grouped(after.requests)) at \(after.second) s")
        cells.append("**×\(ratio(Double(after.requests) / mean))**")
        cells.append(meets(goal: goal) ? "met" : "**missed**")
        if let p50 = wait(quantile: 0.5), let p100 = wait(quantile: 1) {
            cells.append("\(ratio(p50)) s / \(ratio(p100)) s")
        } else {
            cells.append("some never")
        }
        return "| " + cells.joined(separator: " | ") + " |"
    }

    /// The results table's heading (markdown).
    static func tableHeader(goal: Double) -> String {
        """
        | scenario | agents | steady mean (req/s) | measured before | busiest second during \
        | busiest second after | after ÷ mean | goal ≤ ×\(goal) | wait for a valid answer p50 / max |
        | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |
        """
    }
}

private func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}

/// A ratio with two decimals: `1.07`.
private func ratio(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

/// An integer with thin groups of three digits: `100 000`.
private func grouped(_ value: Int) -> String {
    var digits = String(value)
    var groups: [Substring] = []
    while digits.count > 3 {
        groups.insert(digits.suffix(3), at: 0)
        digits.removeLast(3)
    }
    groups.insert(Substring(digits), at: 0)
    return groups.joined(separator: " ")
}

extension String {
    fileprivate var trailingSpacesRemoved: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
