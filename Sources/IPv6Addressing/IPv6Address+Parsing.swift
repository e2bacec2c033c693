extension IPv6Address {
    /// Parses an address in any text form of RFC 4291 §2.2.
    ///
    /// Accepted: hex groups in upper or lower case with up to 4 digits each (leading zeros allowed),
    /// `x:x:x:x:x:x:x:x`; one `::` standing for one or more zero groups, at the start, middle or end, or alone
    /// (`::`); and a dotted-quad IPv4 address in the last 32 bits (`::ffff:192.0.2.1`, `64:ff9b::192.0.2.33`,
    /// `1:2:3:4:5:6:1.2.3.4`).
    ///
    /// Refused, each with its own reason in ``IPv6AddressingError/message``: empty text, more than one `::`,
    /// too many or too few groups, a group longer than 4 digits, a non-hex character, a bad IPv4 part (an octet
    /// above 255, an octet with a leading zero, which `inet_pton(3)` also refuses, or not 4 octets), a zone index
    /// (`fe80::1%eth0`, RFC 4007 §11, which an address value cannot carry), and a single `:` at the start or end.
    ///
    /// - Parameter text: The address text, without brackets or a prefix length.
    /// - Throws: ``IPv6AddressingError`` with code ``IPv6AddressingError/Code/malformed``.
    public init(_ text: String) throws {
        switch Self.parse(Array(text.utf8)) {
        case .success(let address):
            self = address
        case .failure(let reason):
            throw IPv6AddressingError(code: .malformed, input: text, message: reason.message)
        }
    }

    /// Why a text was refused; a plain value so the parser can stay allocation-light and throw in one place.
    struct ParseFailure: Error {
        var message: String
    }

    private static let colon = UInt8(ascii: ":")
    private static let dot = UInt8(ascii: ".")

    static func parse(_ text: [UInt8]) -> Result<IPv6Address, ParseFailure> {
        func fail(_ message: String) -> Result<IPv6Address, ParseFailure> {
            .failure(ParseFailure(message: message))
        }
        if text.isEmpty {
            return fail("empty")
        }
        if text.contains(UInt8(ascii: "%")) {
            return fail("zone index ('%') is not supported")
        }
        if text.contains(UInt8(ascii: "/")) {
            return fail("unexpected '/': a prefix length is not part of an address")
        }

        // Split around the one `::`, if any.
        var head = text[...]
        var tail: ArraySlice<UInt8>? = nil
        if let doubleColon = firstDoubleColon(in: text[...]) {
            let after = text[(doubleColon + 2)...]
            if after.first == colon {
                return fail("':::' is not valid")
            }
            if firstDoubleColon(in: after) != nil {
                return fail("more than one '::'")
            }
            head = text[..<doubleColon]
            tail = after
        }
        if head.first == colon {
            return fail("leading single ':'")
        }
        if (tail ?? head).last == colon {
            return fail("trailing single ':'")
        }

        // Parse each side into 16-bit groups; the IPv4 part may only end the text.
        var headGroups: [UInt16] = []
        var tailGroups: [UInt16] = []
        if tail == nil {
            if case .failure(let failure) = parseGroups(head, into: &headGroups, mayEndWithIPv4: true) {
                return .failure(failure)
            }
        } else {
            if case .failure(let failure) = parseGroups(head, into: &headGroups, mayEndWithIPv4: false) {
                return .failure(failure)
            }
            if case .failure(let failure) = parseGroups(tail!, into: &tailGroups, mayEndWithIPv4: true) {
                return .failure(failure)
            }
        }

        let count = headGroups.count + tailGroups.count
        var groups: [UInt16]
        if tail == nil {
            if count > 8 {
                return fail("too many groups (\(count), expected 8)")
            }
            if count < 8 {
                return fail("too few groups (\(count), expected 8 without '::')")
            }
            groups = headGroups
        } else {
            if count > 7 {
                return fail("too many groups (\(count)) with '::' (at most 7)")
            }
            groups = headGroups + Array(repeating: 0, count: 8 - count) + tailGroups
        }

        var high: UInt64 = 0
        var low: UInt64 = 0
        for group in groups[0..<4] { high = high << 16 | UInt64(group) }
        for group in groups[4..<8] { low = low << 16 | UInt64(group) }
        return .success(IPv6Address(high: high, low: low))
    }

    /// The index of the first `::` in `text`, if any.
    private static func firstDoubleColon(in text: ArraySlice<UInt8>) -> Int? {
        var index = text.startIndex
        while index + 1 < text.endIndex {
            if text[index] == colon && text[index + 1] == colon {
                return index
            }
            index += 1
        }
        return nil
    }

    /// Parses `x:x:...` (possibly empty) into groups; an IPv4 dotted quad, allowed only last, adds two groups.
    private static func parseGroups(
        _ text: ArraySlice<UInt8>,
        into groups: inout [UInt16],
        mayEndWithIPv4: Bool
    ) -> Result<Void, ParseFailure> {
        if text.isEmpty {
            return .success(())
        }
        let fields = text.split(separator: colon, omittingEmptySubsequences: false)
        for (position, field) in fields.enumerated() {
            if field.contains(dot) {
                guard mayEndWithIPv4 && position == fields.count - 1 else {
                    return .failure(
                        ParseFailure(message: "IPv4 part '\(string(field))' is allowed only in the last 32 bits")
                    )
                }
                switch parseIPv4(field) {
                case .success(let value):
                    groups.append(UInt16(truncatingIfNeeded: value >> 16))
                    groups.append(UInt16(truncatingIfNeeded: value))
                case .failure(let failure):
                    return .failure(failure)
                }
                continue
            }
            if field.isEmpty {
                return .failure(ParseFailure(message: "empty group"))
            }
            var value: UInt16 = 0
            for byte in field {
                guard let digit = hexDigitValue(byte) else {
                    if byte >= 0x80 {
                        return .failure(ParseFailure(message: "non-ASCII character in group '\(string(field))'"))
                    }
                    return .failure(
                        ParseFailure(message: "non-hex character '\(string([byte][...]))' in group '\(string(field))'")
                    )
                }
                if field.count <= 4 {
                    value = value << 4 | UInt16(digit)
                }
            }
            if field.count > 4 {
                return .failure(ParseFailure(message: "group '\(string(field))' longer than 4 hex digits"))
            }
            groups.append(value)
        }
        return .success(())
    }

    /// Parses a dotted quad `a.b.c.d`: 4 decimal octets, each 0...255 without leading zeros.
    private static func parseIPv4(_ text: ArraySlice<UInt8>) -> Result<UInt32, ParseFailure> {
        let octets = text.split(separator: dot, omittingEmptySubsequences: false)
        guard octets.count == 4 else {
            return .failure(
                ParseFailure(message: "IPv4 part '\(string(text))' has \(octets.count) octets, expected 4")
            )
        }
        var value: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty else {
                return .failure(ParseFailure(message: "empty octet in IPv4 part '\(string(text))'"))
            }
            var number = 0
            for byte in octet {
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else {
                    return .failure(
                        ParseFailure(
                            message: "non-decimal character '\(string([byte][...]))' in IPv4 part '\(string(text))'"
                        )
                    )
                }
                if number <= 255 {
                    number = number * 10 + Int(byte - UInt8(ascii: "0"))
                }
            }
            if number > 255 {
                return .failure(
                    ParseFailure(message: "IPv4 octet '\(string(octet))' is greater than 255")
                )
            }
            if octet.count > 1 && octet.first == UInt8(ascii: "0") {
                return .failure(
                    ParseFailure(message: "IPv4 octet '\(string(octet))' has a leading zero")
                )
            }
            value = value << 8 | UInt32(number)
        }
        return .success(value)
    }

    private static func hexDigitValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
