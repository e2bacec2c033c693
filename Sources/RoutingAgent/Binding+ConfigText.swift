import Reconciliation

extension Binding {
    /// The binding as its `[[bindings]]` table would write it, on one line, keys in the config's order and only
    /// those that are set or differ from their default: `match = "*", mode = "route", interface = "wg0",
    /// forwarding = true`. What `check-config` and `status` print.
    public var configText: String {
        var pairs = ["match = \(Self.quoted(match))", "mode = \(Self.quoted(mode.rawValue))"]
        if let interface { pairs.append("interface = \(Self.quoted(interface))") }
        if mode == .address { pairs.append("host = \(Self.quoted("\(host)"))") }
        if let split { pairs.append("split = \(split)") }
        if forwarding { pairs.append("forwarding = true") }
        return pairs.joined(separator: ", ")
    }

    /// A TOML basic string: quotes and backslashes escaped, control characters as `\uXXXX`.
    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
