/// One field-level validation error of a problem document (`errors[]`, when `code` is `invalid_request`).
public struct FieldError: Codable, Hashable, Sendable, CustomStringConvertible {
    /// A JSON Pointer (RFC 6901) to the offending request field, e.g. `/prefixLength`.
    public var pointer: String
    /// A human-readable explanation, e.g. "`prefixLength` must be 48, 56 or 64."
    public var detail: String
    /// A stable machine-readable code, e.g. `missing_required`.
    public var code: String

    /// Creates a field error.
    ///
    /// - Parameters:
    ///   - pointer: The JSON Pointer to the field.
    ///   - detail: The explanation.
    ///   - code: The machine-readable code.
    public init(pointer: String, detail: String, code: String) {
        self.pointer = pointer
        self.detail = detail
        self.code = code
    }

    /// `pointer: detail (code)`.
    public var description: String { "\(pointer): \(detail) (\(code))" }
}
