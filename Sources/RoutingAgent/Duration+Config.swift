/// Parsing of the config file's duration strings.
extension Duration {
    /// Parses a config duration: a non-negative decimal integer followed by a unit, `ms`, `s`, `m` or `h`.
    ///
    /// Examples: `"500ms"`, `"30s"`, `"5m"`, `"1h"`. Fractions, signs, spaces and a missing unit are refused,
    /// so `"30"` is an error rather than a guess at the unit.
    ///
    /// - Parameter text: The value as written in the config file.
    /// - Returns: The duration, or `nil` when `text` is not of that form.
    package init?(configText text: String) {
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        let unit = text.dropFirst(digits.count)
        guard !digits.isEmpty, digits.count <= 9, let value = Int64(digits) else { return nil }
        switch unit {
        case "ms": self = .milliseconds(value)
        case "s": self = .seconds(value)
        case "m": self = .seconds(value * 60)
        case "h": self = .seconds(value * 3600)
        default: return nil
        }
    }

    /// The duration in the config file's own notation, the largest unit that divides it exactly (`"30s"`, `"5m"`).
    package var configText: String {
        let milliseconds = Backoff.milliseconds(self)
        if milliseconds % 3_600_000 == 0, milliseconds > 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60_000 == 0, milliseconds > 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }
}
