extension IPv6Address: CustomStringConvertible {
    /// The RFC 5952 canonical text form.
    ///
    /// Lower-case hex, leading zeros of each group suppressed (§4.1, §4.3); the longest run of two or more zero
    /// groups becomes `::`, the first such run on a tie (§4.2.1–§4.2.3); a single zero group stays `0` (§4.2.2).
    /// IPv4-mapped addresses (`::ffff:0:0/96`) end in dotted-quad form, `::ffff:192.0.2.1` (§5).
    public var description: String {
        let groups = self.groups
        if isIPv4Mapped {
            let v4 = UInt32(truncatingIfNeeded: low)
            return "::ffff:" + Self.dottedQuad(v4)
        }

        // Find the longest run of zero groups (first wins a tie); runs of one are not shortened.
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            let start = index
            while index < 8 && groups[index] == 0 { index += 1 }
            if index - start > bestLength {
                bestStart = start
                bestLength = index - start
            }
        }

        func hex(_ slice: ArraySlice<UInt16>) -> String {
            slice.map { String($0, radix: 16, uppercase: false) }.joined(separator: ":")
        }
        guard bestStart >= 0 else {
            return hex(groups[...])
        }
        return hex(groups[..<bestStart]) + "::" + hex(groups[(bestStart + bestLength)...])
    }

    private static func dottedQuad(_ value: UInt32) -> String {
        [24, 16, 8, 0].map { String(UInt8(truncatingIfNeeded: value >> UInt32($0))) }.joined(separator: ".")
    }
}
