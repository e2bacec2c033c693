/// Every decoder of kernel messages, run over one received datagram: for fuzzing the parsers with arbitrary bytes.
///
/// Kernel data is never trusted (a malformed or unknown message is skipped, never a crash): this entry point
/// lets a fuzzer hold every decoder to that with random and mutated datagrams.
@_spi(Testing)
public enum DatagramDecoding {
    /// Splits `datagram` into messages (`mnl_cb_run2(3)`) and decodes each as a link, an address, a route, an
    /// acknowledgement (with its extended-ack text), a dump's end, a netconf message, and as the monitor's
    /// announcement (``RTNetlinkMonitor``).
    ///
    /// - Parameter datagram: The bytes as `recvmsg(2)` would return them.
    /// - Returns: How many objects decoded.
    public static func decodeAll(_ datagram: [UInt8]) -> Int {
        let outcome = datagram.withUnsafeBytes { MessageReader.read($0, portID: 0) }
        var decoded = 0
        for message in outcome.messages {
            if Link(message: message) != nil { decoded += 1 }
            if InterfaceAddress(message: message) != nil { decoded += 1 }
            if Route(message: message) != nil { decoded += 1 }
            if message.acknowledgement != nil { decoded += 1 }
            if message.doneErrno != 0 { decoded += 1 }
            if IPv6Netconf(message: message) != nil { decoded += 1 }
            if RTNetlinkEvent(message: message) != nil { decoded += 1 }
        }
        return decoded
    }
}
