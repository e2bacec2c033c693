import CMnl
import IPv6Addressing

/// Lays out one netlink request with libmnl: `mnl_nlmsg_put_header(3)`, `mnl_nlmsg_put_extra_header(3)`
/// and `mnl_attr_put_check(3)`.
///
/// The port id is left 0 (the kernel fills it in); `nlmsg_len` always covers the aligned content.
struct MessageBuilder {
    /// Room for one request; rtnetlink address and route requests need well under 200 bytes.
    private static let capacity = 1024

    private var buffer: [UInt8]

    /// Starts a message.
    ///
    /// - Parameters:
    ///   - type: `nlmsg_type`, e.g. `RTM_NEWADDR`.
    ///   - flags: `nlmsg_flags`; `NLM_F_REQUEST` is added.
    ///   - sequence: `nlmsg_seq`.
    init(type: UInt16, flags: UInt16, sequence: UInt32) {
        buffer = [UInt8](repeating: 0, count: Self.capacity)
        withHeader { nlh in
            nlh.pointee.nlmsg_type = type
            nlh.pointee.nlmsg_flags = flags | NetlinkConstant.request
            nlh.pointee.nlmsg_seq = sequence
        }
    }

    private mutating func withHeader<T>(_ body: (UnsafeMutablePointer<nlmsghdr>) -> T) -> T {
        buffer.withUnsafeMutableBytes { raw in
            let nlh = raw.baseAddress!.assumingMemoryBound(to: nlmsghdr.self)
            if nlh.pointee.nlmsg_len == 0 {
                _ = mnl_nlmsg_put_header(raw.baseAddress)
            }
            return body(nlh)
        }
    }

    private mutating func putFamilyHeader<Header>(_ header: Header) {
        withHeader { nlh in
            let extra = mnl_nlmsg_put_extra_header(nlh, MemoryLayout<Header>.size)!
            extra.assumingMemoryBound(to: Header.self).pointee = header
        }
    }

    /// Appends a `struct ifaddrmsg`.
    mutating func putAddressHeader(family: UInt8, prefixLength: UInt8, flags: UInt8, scope: UInt8, index: UInt32) {
        putFamilyHeader(
            ifaddrmsg(
                ifa_family: family,
                ifa_prefixlen: prefixLength,
                ifa_flags: flags,
                ifa_scope: scope,
                ifa_index: index
            )
        )
    }

    /// Appends a `struct rtmsg`.
    mutating func putRouteHeader(
        family: UInt8,
        destinationLength: UInt8,
        table: UInt8,
        protocol: UInt8,
        scope: UInt8,
        type: UInt8
    ) {
        putFamilyHeader(
            rtmsg(
                rtm_family: family,
                rtm_dst_len: destinationLength,
                rtm_src_len: 0,
                rtm_tos: 0,
                rtm_table: table,
                rtm_protocol: `protocol`,
                rtm_scope: scope,
                rtm_type: type,
                rtm_flags: 0
            )
        )
    }

    /// Appends a `struct ifinfomsg`.
    mutating func putLinkHeader(family: UInt8, index: Int32, flags: UInt32, change: UInt32) {
        putFamilyHeader(
            ifinfomsg(
                ifi_family: family,
                __ifi_pad: 0,
                ifi_type: 0,
                ifi_index: index,
                ifi_flags: flags,
                ifi_change: change
            )
        )
    }

    /// Appends an attribute with a raw payload.
    mutating func put(_ type: UInt16, bytes: [UInt8]) {
        let capacity = buffer.count
        let fits = bytes.withUnsafeBytes { payload in
            withHeader { nlh in
                mnl_attr_put_check(nlh, capacity, type, payload.count, payload.baseAddress)
            }
        }
        // NOTE: requests are built from our own fixed-size values; overflowing the buffer is a bug.
        precondition(fits, "netlink request exceeds \(capacity) bytes")
    }

    /// Appends an 8-bit attribute.
    mutating func put(_ type: UInt16, uint8 value: UInt8) {
        put(type, bytes: [value])
    }

    /// Appends a 32-bit host-order attribute.
    mutating func put(_ type: UInt16, uint32 value: UInt32) {
        put(type, bytes: withUnsafeBytes(of: value) { Array($0) })
    }

    /// Appends a 16-byte IPv6 address attribute (network order).
    mutating func put(_ type: UInt16, address: IPv6Address) {
        put(type, bytes: address.bytes)
    }

    /// The finished message: exactly `nlmsg_len` bytes.
    var bytes: [UInt8] {
        let length = buffer.withUnsafeBytes { Int($0.loadUnaligned(as: UInt32.self)) }
        return Array(buffer[..<length])
    }
}
