import CMnl
import IPv6Addressing

/// One netlink message copied out of a received datagram: the header fields plus the raw bytes.
///
/// `bytes` holds exactly `nlmsg_len` bytes, followed by zero padding up to the 4-byte alignment that
/// libmnl's iterators assume (`mnl_nlmsg_get_payload_tail()` rounds the length up).
struct RawMessage: Sendable {
    /// The message, header included, zero-padded to a multiple of 4.
    let bytes: [UInt8]
    /// `nlmsg_len`.
    let length: Int
    /// `nlmsg_type`.
    let type: UInt16
    /// `nlmsg_flags`.
    let flags: UInt16
    /// `nlmsg_seq`.
    let sequence: UInt32
    /// `nlmsg_pid`.
    let portID: UInt32

    /// Validates and copies one message.
    ///
    /// - Parameter bytes: The message, starting with its `struct nlmsghdr`; extra bytes after `nlmsg_len` are ignored.
    /// - Returns: `nil` when the header is short or `nlmsg_len` is out of bounds.
    init?(bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count >= NetlinkConstant.headerLength else {
            return nil
        }
        let length = bytes.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: 0, as: UInt32.self)) }
        guard length >= NetlinkConstant.headerLength, length <= bytes.count else {
            return nil
        }
        self.length = length
        self.bytes = Array(bytes[..<length]) + Array(repeating: 0, count: cmnl_align(length) - length)
        (type, flags, sequence, portID) = bytes.withUnsafeBytes { raw in
            (
                raw.loadUnaligned(fromByteOffset: 4, as: UInt16.self),
                raw.loadUnaligned(fromByteOffset: 6, as: UInt16.self),
                raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self),
                raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
            )
        }
    }

    /// Copies the message `nlh` points at (already bounds-checked by `mnl_nlmsg_ok()`).
    init?(_ nlh: UnsafePointer<nlmsghdr>) {
        let buffer = UnsafeRawBufferPointer(start: UnsafeRawPointer(nlh), count: Int(nlh.pointee.nlmsg_len))
        self.init(bytes: buffer)
    }

    /// The payload after the netlink header, up to `nlmsg_len`.
    var payload: ArraySlice<UInt8> {
        bytes[NetlinkConstant.headerLength..<length]
    }

    /// The attributes that follow a family header of `familyHeaderSize` bytes, or `nil` when the
    /// message is too short to hold that header.
    func attributes(after familyHeaderSize: Int) -> Attributes? {
        let start = NetlinkConstant.headerLength + cmnl_align(familyHeaderSize)
        guard NetlinkConstant.headerLength + familyHeaderSize <= length else {
            return nil
        }
        return Attributes(bytes[min(start, length)..<length])
    }

    /// Reads a fixed-size field of the payload, or `nil` when the payload is too short.
    func payloadField<T: BitwiseCopyable>(at offset: Int, as type: T.Type) -> T? {
        let start = NetlinkConstant.headerLength + offset
        guard start + MemoryLayout<T>.size <= length else {
            return nil
        }
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: start, as: T.self) }
    }
}

/// The attributes (TLVs) of a message or a nest, walked with libmnl (`mnl_attr_ok(3)`, `mnl_attr_next(3)`).
///
/// Attributes are kept by type; when a type repeats the last one wins. Attributes whose header or
/// length is malformed end the walk, as in `mnl_attr_for_each`; nothing is read past the end.
struct Attributes: Sendable {
    private var payloads: [UInt16: [UInt8]] = [:]

    /// Walks the attributes in `bytes` (which must start at an attribute header).
    init(_ bytes: some Collection<UInt8>) {
        // Copy into a 4-byte aligned, padded buffer: libmnl rounds lengths up to 4.
        var buffer = Array(bytes)
        let count = buffer.count
        buffer += Array(repeating: 0, count: cmnl_align(count) - count)
        var payloads: [UInt16: [UInt8]] = [:]
        buffer.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else {
                return
            }
            let end = base + count
            var attribute = base.assumingMemoryBound(to: nlattr.self)
            while mnl_attr_ok(attribute, Int32(end - UnsafeRawPointer(attribute))) {
                let type = mnl_attr_get_type(attribute)
                let length = Int(mnl_attr_get_payload_len(attribute))
                let payload = UnsafeRawBufferPointer(start: mnl_attr_get_payload(attribute), count: length)
                payloads[type] = Array(payload)
                guard let next = mnl_attr_next(attribute) else {
                    break
                }
                attribute = UnsafePointer(next)
            }
        }
        self.payloads = payloads
    }

    /// The payload of attribute `type`.
    subscript(type: UInt16) -> [UInt8]? {
        payloads[type]
    }

    /// An 8-bit attribute, or `nil` when absent or too short.
    func uint8(_ type: UInt16) -> UInt8? {
        guard let payload = payloads[type], payload.count >= 1 else {
            return nil
        }
        return payload[0]
    }

    /// A 32-bit host-order attribute, or `nil` when absent or too short.
    func uint32(_ type: UInt16) -> UInt32? {
        guard let payload = payloads[type], payload.count >= 4 else {
            return nil
        }
        return payload.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    /// A string attribute up to its first NUL, or `nil` when absent or not UTF-8.
    func string(_ type: UInt16) -> String? {
        guard let payload = payloads[type] else {
            return nil
        }
        let text = payload.prefix { $0 != 0 }
        return String(validating: text, as: UTF8.self)
    }

    /// A 16-byte IPv6 address attribute, or `nil` when absent or of another size.
    func ipv6Address(_ type: UInt16) -> IPv6Address? {
        guard let payload = payloads[type] else {
            return nil
        }
        return IPv6Address(bytes: payload)
    }

    /// The attributes nested inside attribute `type`, or `nil` when absent.
    func nested(_ type: UInt16) -> Attributes? {
        payloads[type].map { Attributes($0) }
    }
}

/// The answer in an `NLMSG_ERROR` message: an errno (0 for a plain ack) and the extended-ack text.
struct Acknowledgement: Sendable, Equatable {
    /// The positive errno, or 0 for success.
    var errno: Int32
    /// `NLMSGERR_ATTR_MSG`, when the kernel sent one.
    var extendedAck: String?
}

extension RawMessage {
    /// Decodes an `NLMSG_ERROR` message (`struct nlmsgerr` and, with `NLM_F_ACK_TLVS`, the extended-ack TLVs).
    ///
    /// With `NETLINK_CAP_ACK` the kernel echoes only the request's header (`NLM_F_CAPPED`), else the
    /// whole request; the TLVs follow it (`netlink_ack()` in net/netlink/af_netlink.c).
    /// - Returns: `nil` when this is not a well-formed error message.
    var acknowledgement: Acknowledgement? {
        guard type == NetlinkConstant.error, let error = payloadField(at: 0, as: Int32.self) else {
            return nil
        }
        var acknowledgement = Acknowledgement(errno: error == Int32.min ? 0 : abs(error))
        guard flags & NetlinkConstant.ackTLVs != 0 else {
            return acknowledgement
        }
        // The echoed request header sits after the int.
        var tlvOffset = NetlinkConstant.errorPayloadLength
        if flags & NetlinkConstant.capped == 0 {
            guard let echoedLength = payloadField(at: MemoryLayout<Int32>.size, as: UInt32.self) else {
                return acknowledgement
            }
            tlvOffset = MemoryLayout<Int32>.size + Int(echoedLength)
        }
        let start = NetlinkConstant.headerLength + cmnl_align(tlvOffset)
        if start < length {
            acknowledgement.extendedAck = Attributes(bytes[start..<length]).string(NetlinkConstant.extendedAckMessage)
        }
        return acknowledgement
    }

    /// The errno an `NLMSG_DONE` message carries (0 when the dump completed; `netlink_dump_done()`).
    var doneErrno: Int32 {
        guard type == NetlinkConstant.done, let error = payloadField(at: 0, as: Int32.self), error != Int32.min else {
            return 0
        }
        return abs(error)
    }
}
