import IPv6Addressing

/// The fields of a `create_route` request, checked one by one as the seed page describes them.
struct CreateRouteInput: Hashable, Sendable {
    /// The child prefix lengths the API allows: the document's `allowedPrefixLengths`.
    static let allowedPrefixLengths = [48, 56, 64]
    /// The longest label accepted.
    static let maximumLabelLength = 100

    var poolId: String
    var vpsId: String
    var prefixLength: Int
    /// The explicit child prefix, or `nil` to let the server choose the first free one.
    var prefix: IPv6Prefix?
    var label: String?

    /// Validates a request body.
    ///
    /// - Parameter body: The decoded JSON object (its `action` is not looked at).
    /// - Throws: ``APIFailure/invalidRequest(_:)`` listing every bad field, with pointers `/poolId`, `/vpsId`,
    ///   `/prefixLength`, `/prefix`, `/label` and codes `missing_required` or `invalid_value`.
    init(body: [String: JSONValue]) throws(APIFailure) {
        var issues: [FieldIssue] = []
        let poolId = Self.requiredString("poolId", in: body, issues: &issues)
        let vpsId = Self.requiredString("vpsId", in: body, issues: &issues)

        var prefixLength: Int?
        switch body["prefixLength"] {
        case nil, .null?:
            issues.append(
                FieldIssue(
                    pointer: "/prefixLength",
                    detail: "`prefixLength` is required for `create_route`.",
                    code: .missingRequired
                )
            )
        case .integer(let value)? where Self.allowedPrefixLengths.contains(value):
            prefixLength = value
        case let value?:
            issues.append(
                FieldIssue(
                    pointer: "/prefixLength",
                    detail: "`prefixLength` must be one of 48, 56 or 64, not \(Self.describe(value)).",
                    code: .invalidValue
                )
            )
        }

        var prefix: IPv6Prefix?
        switch body["prefix"] {
        case nil, .null?:
            break
        case .string(let text)?:
            do {
                let parsed = try IPv6Prefix(text)
                if let prefixLength, parsed.length != prefixLength {
                    issues.append(
                        FieldIssue(
                            pointer: "/prefix",
                            detail: "`prefix` \(parsed) is a /\(parsed.length), but `prefixLength` is \(prefixLength).",
                            code: .invalidValue
                        )
                    )
                } else {
                    prefix = parsed
                }
            } catch let error as IPv6AddressingError {
                issues.append(
                    FieldIssue(
                        pointer: "/prefix",
                        detail: "`prefix` is not a valid IPv6 prefix: \(error.message).",
                        code: .invalidValue
                    )
                )
            } catch {
                issues.append(
                    FieldIssue(pointer: "/prefix", detail: "`prefix` is not a valid IPv6 prefix.", code: .invalidValue)
                )
            }
        case let value?:
            issues.append(
                FieldIssue(
                    pointer: "/prefix",
                    detail: "`prefix` must be a string, not \(value.typeName).",
                    code: .invalidValue
                )
            )
        }

        var label: String?
        switch body["label"] {
        case nil, .null?:
            break
        case .string(let text)? where text.count <= Self.maximumLabelLength:
            label = text
        case .string?:
            issues.append(
                FieldIssue(
                    pointer: "/label",
                    detail: "`label` is longer than \(Self.maximumLabelLength) characters.",
                    code: .invalidValue
                )
            )
        case let value?:
            issues.append(
                FieldIssue(
                    pointer: "/label",
                    detail: "`label` must be a string, not \(value.typeName).",
                    code: .invalidValue
                )
            )
        }

        guard issues.isEmpty, let poolId, let vpsId, let prefixLength else {
            throw .invalidRequest(issues)
        }
        self.init(poolId: poolId, vpsId: vpsId, prefixLength: prefixLength, prefix: prefix, label: label)
    }

    init(poolId: String, vpsId: String, prefixLength: Int, prefix: IPv6Prefix? = nil, label: String? = nil) {
        self.poolId = poolId
        self.vpsId = vpsId
        self.prefixLength = prefixLength
        self.prefix = prefix
        self.label = label
    }

    private static func requiredString(
        _ name: String,
        in body: [String: JSONValue],
        issues: inout [FieldIssue]
    ) -> String? {
        switch body[name] {
        case nil, .null?:
            issues.append(
                FieldIssue(
                    pointer: "/\(name)",
                    detail: "`\(name)` is required for `create_route`.",
                    code: .missingRequired
                )
            )
        case .string(let value)? where !value.isEmpty:
            return value
        case .string?:
            issues.append(FieldIssue(pointer: "/\(name)", detail: "`\(name)` must not be empty.", code: .invalidValue))
        case let value?:
            issues.append(
                FieldIssue(
                    pointer: "/\(name)",
                    detail: "`\(name)` must be a string, not \(value.typeName).",
                    code: .invalidValue
                )
            )
        }
        return nil
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .integer(let number): "\(number)"
        default: "a value of type \(value.typeName)"
        }
    }
}
