/// A value that is coded as one string: its text form (`description`) out, any accepted text form in.
///
/// ``IPv6Address`` and ``IPv6Prefix`` use it, so JSON carries `"2001:db8::1"` and `"2001:db8::/32"`.
protocol TextCodable: Codable, CustomStringConvertible {
    /// Parses the text form; throws ``IPv6AddressingError``.
    init(_ text: String) throws
    /// What the value is, for decoding errors: "IPv6 address".
    static var textKind: String { get }
}

extension TextCodable {
    /// Decodes the value from a single string.
    ///
    /// - Throws: `DecodingError.dataCorrupted` whose debug description is the parse reason and whose underlying
    ///   error is the ``IPv6AddressingError``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch let error as IPv6AddressingError {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath,
                    debugDescription: "invalid \(Self.textKind) \(error)",
                    underlyingError: error
                )
            )
        }
    }

    /// Encodes the value as the single string `description`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
