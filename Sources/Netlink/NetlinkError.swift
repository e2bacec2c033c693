import SystemPackage

/// An error from rtnetlink, the netlink socket, or an IPv6 sysctl file.
///
/// It carries the kernel's answer: the request that failed (`operation`), the errno from the
/// `NLMSG_ERROR` message and the kernel's extended-ack text (`NLMSGERR_ATTR_MSG`), as `ip` prints
/// it after "Error:". Branch on ``code``; equality compares ``code`` only.
public struct NetlinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, bounded error category, fit for a journal field or a metric label.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case exists, notFound, addressNotAvailable, noSuchDevice, networkDown, permissionDenied
            case dumpInterrupted, invalidArgument, other, malformedMessage
        }

        private var value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// The object already exists (`EEXIST`): an add with `NLM_F_EXCL` found it.
        public static let exists = Code(.exists)
        /// No such object (`ESRCH`, `ENOENT`): e.g. removing a route that is not there.
        public static let notFound = Code(.notFound)
        /// No such address (`EADDRNOTAVAIL`): e.g. removing an address that is not there.
        public static let addressNotAvailable = Code(.addressNotAvailable)
        /// No such interface (`ENODEV`).
        public static let noSuchDevice = Code(.noSuchDevice)
        /// The interface is down (`ENETDOWN`).
        public static let networkDown = Code(.networkDown)
        /// Missing `CAP_NET_ADMIN` or a read-only file (`EPERM`, `EACCES`, `EROFS`).
        public static let permissionDenied = Code(.permissionDenied)
        /// A dump was interrupted by concurrent changes (`NLM_F_DUMP_INTR`) three times in a row.
        public static let dumpInterrupted = Code(.dumpInterrupted)
        /// The kernel refused the request's contents (`EINVAL`).
        public static let invalidArgument = Code(.invalidArgument)
        /// Any other errno.
        public static let other = Code(.other)
        /// The kernel's answer (or a sysctl file) could not be parsed.
        public static let malformedMessage = Code(.malformedMessage)

        /// A short, fixed name such as "exists" or "dumpInterrupted".
        public var description: String {
            switch value {
            case .exists: "exists"
            case .notFound: "notFound"
            case .addressNotAvailable: "addressNotAvailable"
            case .noSuchDevice: "noSuchDevice"
            case .networkDown: "networkDown"
            case .permissionDenied: "permissionDenied"
            case .dumpInterrupted: "dumpInterrupted"
            case .invalidArgument: "invalidArgument"
            case .other: "other"
            case .malformedMessage: "malformedMessage"
            }
        }
    }

    /// The error category.
    public var code: Code
    /// What failed: a message type such as "RTM_NEWADDR", a syscall such as "sendto", or "sysctl".
    public var operation: String
    /// The errno the kernel answered with, if any.
    public var errno: Errno?
    /// The kernel's explanation (`NLMSGERR_ATTR_MSG`), e.g. "ipv6: address already assigned".
    public var extendedAck: String?
    /// A human-readable summary, naming the object or file concerned when known.
    public var message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The category.
    ///   - operation: What failed, e.g. "RTM_NEWROUTE".
    ///   - errno: The errno, if any. Defaults to `nil`.
    ///   - extendedAck: The kernel's extended-ack text. Defaults to `nil`.
    ///   - message: A human-readable summary.
    public init(code: Code, operation: String, errno: Errno? = nil, extendedAck: String? = nil, message: String) {
        self.code = code
        self.operation = operation
        self.errno = errno
        self.extendedAck = extendedAck
        self.message = message
    }

    /// "RTM_NEWADDR: <message>: <errno> (<extended ack>)".
    public var description: String {
        var text = "\(operation): \(message)"
        if let errno {
            text += ": \(errno)"
        }
        if let extendedAck, !extendedAck.isEmpty {
            text += " (\(extendedAck))"
        }
        return text
    }

    /// Compares ``code`` only, as `ServiceGroupError` does in swift-service-lifecycle.
    public static func == (lhs: NetlinkError, rhs: NetlinkError) -> Bool {
        lhs.code == rhs.code
    }
}
