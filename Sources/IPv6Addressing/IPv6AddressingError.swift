/// An error thrown while parsing or building an IPv6 address or prefix.
///
/// `message` holds the human reason ("more than one '::'", "host bits set; did you mean 2001:db8::/32?"),
/// `input` the text (or the value, printed) that was refused. Callers branch on `code`, which is stable and
/// bounded; `message` is for people.
///
/// Two errors are equal when their codes are equal, as with the other error types of this package.
public struct IPv6AddressingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    ///
    /// A struct over a private enum so that codes can be added without breaking callers' `switch`es.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case malformed
            case hostBitsSet
            case invalidLength
            case hostOutsidePrefix
            case tooManySubnets
            case subnetIndexOutOfRange
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// The text is not an RFC 4291 §2.2 address, or not an `address/length` prefix.
        public static let malformed = Code(.malformed)
        /// A prefix has bits set after its length (RFC 4291 §2.3: the host part of a prefix is zero).
        public static let hostBitsSet = Code(.hostBitsSet)
        /// A prefix length is outside `0...128`, or a child length is shorter than its parent's.
        public static let invalidLength = Code(.invalidLength)
        /// A host part passed to ``IPv6Prefix/address(host:)`` has bits inside the prefix part.
        public static let hostOutsidePrefix = Code(.hostOutsidePrefix)
        /// ``IPv6Prefix/subnets(ofLength:)`` would list more than 65536 (2^16) children.
        public static let tooManySubnets = Code(.tooManySubnets)
        /// ``IPv6Prefix/subnet(ofLength:index:)`` got an index outside the children that exist.
        public static let subnetIndexOutOfRange = Code(.subnetIndexOutOfRange)

        /// A short, stable name for the code, fit for a log field or a metric label.
        public var description: String {
            switch value {
            case .malformed: "malformed"
            case .hostBitsSet: "hostBitsSet"
            case .invalidLength: "invalidLength"
            case .hostOutsidePrefix: "hostOutsidePrefix"
            case .tooManySubnets: "tooManySubnets"
            case .subnetIndexOutOfRange: "subnetIndexOutOfRange"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// The refused input: the text being parsed, or the value being built, printed.
    public var input: String
    /// The reason, for people: for example "more than 8 groups".
    public var message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What kind of failure this is.
    ///   - input: The refused input.
    ///   - message: The reason, for people.
    public init(code: Code, input: String, message: String) {
        self.code = code
        self.input = input
        self.message = message
    }

    /// `"'<input>': <message>"`.
    public var description: String {
        "'\(input)': \(message)"
    }

    /// Compares codes only.
    public static func == (lhs: IPv6AddressingError, rhs: IPv6AddressingError) -> Bool {
        lhs.code == rhs.code
    }
}
