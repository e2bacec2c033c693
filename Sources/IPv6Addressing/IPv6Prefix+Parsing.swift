extension IPv6Prefix {
    /// Parses `"address/length"`, strictly.
    ///
    /// The address takes any RFC 4291 §2.2 form (see ``IPv6Address/init(_:)``); the length is plain decimal
    /// `0...128`, without sign, leading `+` or leading zeros. A missing `/` is an error, and so are host bits
    /// (RFC 4291 §2.3 writes a prefix with its host part zero): `"2001:db8::1/32"` is refused with the message
    /// "host bits set; did you mean 2001:db8::/32?". Use ``init(masking:length:)`` to clear host bits instead.
    ///
    /// - Parameter text: The prefix text, for example `"2001:db8::/48"`.
    /// - Throws: ``IPv6AddressingError`` with code ``IPv6AddressingError/Code/malformed`` (bad address, no `/`,
    ///   length not plain decimal), ``IPv6AddressingError/Code/invalidLength`` (length above 128), or
    ///   ``IPv6AddressingError/Code/hostBitsSet``.
    public init(_ text: String) throws {
        func fail(_ code: IPv6AddressingError.Code, _ message: String) -> IPv6AddressingError {
            IPv6AddressingError(code: code, input: text, message: message)
        }
        let utf8 = Array(text.utf8)
        if utf8.isEmpty {
            throw fail(.malformed, "empty")
        }
        guard let slash = utf8.firstIndex(of: UInt8(ascii: "/")) else {
            throw fail(.malformed, "missing '/' and prefix length")
        }
        if slash == 0 {
            throw fail(.malformed, "missing address before '/'")
        }
        let lengthText = utf8[(slash + 1)...]
        if lengthText.isEmpty {
            throw fail(.malformed, "empty prefix length")
        }
        var length = 0
        for byte in lengthText {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else {
                let shown = String(decoding: lengthText, as: UTF8.self)
                throw fail(.malformed, "prefix length '\(shown)' is not a plain decimal number")
            }
            if length <= 128 {
                length = length * 10 + Int(byte - UInt8(ascii: "0"))
            }
        }
        if lengthText.count > 1 && lengthText.first == UInt8(ascii: "0") {
            let shown = String(decoding: lengthText, as: UTF8.self)
            throw fail(.malformed, "prefix length '\(shown)' has a leading zero")
        }
        if length > 128 {
            let shown = String(decoding: lengthText, as: UTF8.self)
            throw fail(.invalidLength, "prefix length \(shown) is outside 0...128")
        }

        let address: IPv6Address
        switch IPv6Address.parse(Array(utf8[..<slash])) {
        case .success(let parsed):
            address = parsed
        case .failure(let failure):
            throw fail(.malformed, failure.message)
        }
        do {
            try self.init(address: address, length: length)
        } catch var error as IPv6AddressingError {
            error.input = text
            throw error
        }
    }
}
