/// Renders a `DecodingError` as "what, at which path", e.g. `missing key prefix at pools[0].routes[1]`.
public enum DecodingErrorDescription {
    public static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key \(key.stringValue) at \(path(context.codingPath))"
        case .valueNotFound(let type, let context):
            return "null where \(type) was expected at \(path(context.codingPath))"
        case .typeMismatch(let type, let context):
            return "expected \(type) at \(path(context.codingPath)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            return "invalid data at \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// `pools[0].routes[1].id`; the document root is `$`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text.isEmpty ? "$" : text
    }

    /// A one-line account of a decoding failure: the field and what was wrong with it, e.g. `vpsId: expected a string`,
    /// or `the entry: expected an object` when the element itself has the wrong type.
    static func summary(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "unreadable value: \(error)" }
        func field(_ path: [any CodingKey]) -> String {
            guard let last = path.last, last.intValue == nil else { return "the entry" }
            return last.stringValue
        }
        func name(_ type: Any.Type) -> String {
            switch "\(type)" {
            case "String": "a string"
            case "Int", "Int64", "UInt8", "UInt32": "an integer"
            case "Bool": "true or false"
            case "Double", "Float": "a number"
            case let text where text.hasPrefix("Dictionary"): "an object"
            case let text where text.hasPrefix("Array"): "an array"
            case let text: text
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(field(context.codingPath)): expected \(name(type))"
        case .valueNotFound(let type, let context):
            return "\(field(context.codingPath)): null where \(name(type)) was expected"
        case .keyNotFound(let key, _):
            return "\(key.stringValue): missing"
        case .dataCorrupted(let context):
            return "\(field(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
