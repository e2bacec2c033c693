import Synchronization
import SystemPackage

/// One request for ``NetlinkSocket/acknowledged(_:)``: how to encode it and how to name its failures.
struct AcknowledgedRequest: Sendable {
    /// "RTM_NEWADDR" and so on.
    var operation: String
    /// What the request is about, for error messages ("2001:db8::1/128 on ifindex 1").
    var subject: String
    /// Encodes the request with the given sequence number; `NLM_F_ACK` must be set.
    var encode: @Sendable (UInt32) -> [UInt8]
    /// Maps the kernel's errno to a code.
    var classify: @Sendable (Errno) -> NetlinkError.Code
}

/// A `NETLINK_ROUTE` socket (libmnl) that is safe to share: every exchange runs under a `Mutex`.
///
/// Requests and their answers never interleave, because one exchange (send, then read until the
/// answer is complete) holds the lock throughout. Source: `netlink(7)`, `libmnl`.
final class NetlinkSocket: Sendable {
    /// The largest datagram we send in one `sendto`; bigger batches are split. The kernel's own limit
    /// is the socket send buffer (`netlink_sendmsg()`), far larger.
    static let batchLimit = 8192

    /// The receive buffer: the kernel sizes dump datagrams to what we read with, up to 32 KiB
    /// (`netlink_dump()`, `max_recvmsg_len`), so a smaller buffer would only cost more reads.
    private static let receiveBufferSize = 32768

    private struct Connection {
        let handle: MnlSocketHandle
        let portID: UInt32
        var sequence: UInt32
        var buffer: [UInt8]

        mutating func nextSequence() -> UInt32 {
            sequence &+= 1
            if sequence == 0 {
                sequence = 1
            }
            return sequence
        }

        func send(_ bytes: [UInt8], operation: String) throws(NetlinkError) {
            let sent = bytes.withUnsafeBytes { raw in
                Result { () throws(Errno) in try system_mnl_socket_sendto(handle, raw) }
            }
            if case .failure(let errno) = sent {
                throw NetlinkError.system(operation, errno, "sendto on the netlink socket failed")
            }
        }

        mutating func receive(operation: String) throws(NetlinkError) -> ReadOutcome {
            let handle = handle
            let portID = portID
            let received = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in
                    let count = try system_mnl_socket_recvfrom(handle, raw)
                    return MessageReader.read(UnsafeRawBufferPointer(rebasing: raw[..<count]), portID: portID)
                }
            }
            switch received {
            case .success(let outcome):
                return outcome
            case .failure(let errno):
                throw NetlinkError.system(operation, errno, "recvfrom on the netlink socket failed")
            }
        }
    }

    private let connection: Mutex<Connection>

    /// Opens and binds the socket, with `NETLINK_EXT_ACK` and `NETLINK_CAP_ACK` on.
    ///
    /// - Parameter receiveTimeoutSeconds: How long one read waits for the kernel. Defaults to 10 seconds.
    /// - Throws: ``NetlinkError`` naming the failed call ("socket", "bind", "setsockopt").
    init(receiveTimeoutSeconds: Int = 10) throws(NetlinkError) {
        let handle: MnlSocketHandle
        do {
            handle = try system_mnl_socket_open(bus: NetlinkConstant.route)
        } catch {
            throw NetlinkError.system("socket", error, "cannot open a NETLINK_ROUTE socket")
        }
        do {
            try system_mnl_socket_setsockopt(handle, option: NetlinkConstant.extendedAckOption, value: 1)
            try system_mnl_socket_setsockopt(handle, option: NetlinkConstant.capAckOption, value: 1)
            try system_set_receive_timeout(handle, seconds: receiveTimeoutSeconds)
            try system_mnl_socket_bind(handle, groups: 0)
        } catch {
            system_mnl_socket_close(handle)
            throw NetlinkError.system("setsockopt", error, "cannot set up the NETLINK_ROUTE socket")
        }
        connection = Mutex(
            Connection(
                handle: handle,
                portID: system_mnl_socket_get_portid(handle),
                sequence: system_sequence_seed(),
                buffer: [UInt8](repeating: 0, count: Self.receiveBufferSize)
            )
        )
    }

    deinit {
        connection.withLock { system_mnl_socket_close($0.handle) }
    }

    /// Runs one dump and returns its data messages.
    ///
    /// When the kernel flags the dump `NLM_F_DUMP_INTR` (the table changed while it was read), the
    /// rest of it is drained and the dump is redone, up to three times in all.
    ///
    /// - Parameters:
    ///   - operation: "RTM_GETADDR" and so on.
    ///   - request: Encodes the dump request with the given sequence number.
    /// - Returns: The data messages of one consistent dump, in order.
    /// - Throws: ``NetlinkError`` with ``NetlinkError/Code/dumpInterrupted`` after three interrupted tries,
    ///   or the kernel's error.
    func dump(operation: String, request: (UInt32) -> [UInt8]) throws(NetlinkError) -> [RawMessage] {
        try connection.withLock { connection throws(NetlinkError) -> [RawMessage] in
            for _ in 1...3 {
                let sequence = connection.nextSequence()
                try connection.send(request(sequence), operation: operation)
                var messages: [RawMessage] = []
                var interrupted = false
                var failure: NetlinkError?
                var finished = false
                while !finished {
                    let outcome = try connection.receive(operation: operation)
                    for message in outcome.messages where message.sequence == sequence {
                        if let acknowledgement = message.acknowledgement {
                            if acknowledgement.errno != 0 {
                                failure = Self.error(
                                    acknowledgement,
                                    operation: operation,
                                    subject: "dump",
                                    classify: NetlinkError.Code.forSystemCall
                                )
                            }
                        } else if message.type == NetlinkConstant.done {
                            if message.doneErrno != 0 {
                                failure = Self.error(
                                    Acknowledgement(errno: message.doneErrno),
                                    operation: operation,
                                    subject: "dump",
                                    classify: NetlinkError.Code.forSystemCall
                                )
                            }
                        } else if message.type >= NetlinkConstant.minimumType {
                            messages.append(message)
                        }
                    }
                    interrupted = interrupted || outcome.interruptedSequences.contains(sequence)
                    finished = outcome.finishedSequences.contains(sequence)
                }
                if let failure {
                    throw failure
                }
                if !interrupted {
                    return messages
                }
            }
            throw NetlinkError(
                code: .dumpInterrupted,
                operation: operation,
                message: "the dump was interrupted by concurrent changes three times (NLM_F_DUMP_INTR)"
            )
        }
    }

    /// Sends requests with `NLM_F_ACK` and returns each one's answer, in order.
    ///
    /// Requests are laid end to end in as few datagrams as ``batchLimit`` allows, one `sendto` each;
    /// the kernel runs every message of a datagram even after one fails (`netlink_rcv_skb()`), and
    /// answers each with an `NLMSG_ERROR` carrying the same sequence number.
    ///
    /// - Parameter requests: The requests.
    /// - Returns: One result per request, in the same order.
    /// - Throws: ``NetlinkError`` when the socket itself fails.
    func acknowledged(_ requests: [AcknowledgedRequest]) throws(NetlinkError) -> [Result<Void, NetlinkError>] {
        try connection.withLock { connection throws(NetlinkError) -> [Result<Void, NetlinkError>] in
            var results = [Result<Void, NetlinkError>?](repeating: nil, count: requests.count)
            var next = 0
            var carried: (sequence: UInt32, bytes: [UInt8])?
            while next < requests.count {
                var datagram: [UInt8] = []
                var pending: [UInt32: Int] = [:]
                while next < requests.count {
                    let encoded: (sequence: UInt32, bytes: [UInt8])
                    if let carriedOver = carried {
                        encoded = carriedOver
                        carried = nil
                    } else {
                        let sequence = connection.nextSequence()
                        encoded = (sequence, requests[next].encode(sequence))
                    }
                    if !datagram.isEmpty, datagram.count + encoded.bytes.count > Self.batchLimit {
                        carried = encoded
                        break
                    }
                    datagram += encoded.bytes
                    pending[encoded.sequence] = next
                    next += 1
                }
                try connection.send(datagram, operation: requests[pending.values.min() ?? 0].operation)
                while !pending.isEmpty {
                    let outcome = try connection.receive(operation: "recvfrom")
                    for message in outcome.messages where message.type == NetlinkConstant.error {
                        guard let index = pending.removeValue(forKey: message.sequence) else {
                            continue  // a stale answer to an abandoned request
                        }
                        let request = requests[index]
                        if let acknowledgement = message.acknowledgement {
                            results[index] =
                                acknowledgement.errno == 0
                                ? .success(())
                                : .failure(
                                    Self.error(
                                        acknowledgement,
                                        operation: request.operation,
                                        subject: request.subject,
                                        classify: request.classify
                                    )
                                )
                        } else {
                            results[index] = .failure(
                                NetlinkError(
                                    code: .malformedMessage,
                                    operation: request.operation,
                                    message: "\(request.subject): the kernel's acknowledgement is truncated"
                                )
                            )
                        }
                    }
                }
            }
            return results.map { $0! }
        }
    }

    private static func error(
        _ acknowledgement: Acknowledgement,
        operation: String,
        subject: String,
        classify: (Errno) -> NetlinkError.Code
    ) -> NetlinkError {
        let errno = Errno(rawValue: acknowledgement.errno)
        return NetlinkError(
            code: classify(errno),
            operation: operation,
            errno: errno,
            extendedAck: acknowledgement.extendedAck,
            message: subject
        )
    }
}
