/// One field-level validation error, rendered as an entry of a problem document's `errors[]`.
struct FieldIssue: Hashable, Sendable {
    /// Field codes the simulator uses; clients branch on `code`, not on `detail`.
    enum Code: String, Sendable {
        /// A required field is absent (or `null`).
        case missingRequired = "missing_required"
        /// The field is present but has the wrong type or an unacceptable value.
        case invalidValue = "invalid_value"
        /// The body is not a JSON object.
        case invalidJSON = "invalid_json"
    }

    /// RFC 6901 JSON pointer to the field, `/prefixLength`; `""` is the whole body.
    var pointer: String
    /// Human explanation, e.g. "`poolId` is required for `create_route`."
    var detail: String
    var code: Code
}
