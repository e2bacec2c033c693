/// Strong entity tags for `GET /api/v2/routed-ipv6` (RFC 9110 §8.8.3) and `If-None-Match` matching (§13.1.2).
enum EntityTag {
    /// A quoted tag derived from the body: its 64-bit FNV-1a hash in hex, `"9f3b0c1d2e4a5b6c"`.
    static func of(_ body: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in body {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }

    /// Whether an `If-None-Match` field value matches `tag`: `*`, or any listed tag, weak (`W/`) or not.
    static func ifNoneMatch(_ fieldValue: String, matches tag: String) -> Bool {
        fieldValue.split(separator: ",").contains { candidate in
            var candidate = trimmed(candidate)
            if candidate == "*" { return true }
            if candidate.hasPrefix("W/") { candidate = candidate.dropFirst(2) }
            return candidate == tag[...]
        }
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var text = text
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
