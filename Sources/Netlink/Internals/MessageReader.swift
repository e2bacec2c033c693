import CMnl

/// What one received datagram held.
struct ReadOutcome: Sendable {
    /// Data, `NLMSG_ERROR` and `NLMSG_DONE` messages, in order, of every sequence number.
    var messages: [RawMessage] = []
    /// Sequence numbers answered by `NLMSG_DONE` or `NLMSG_ERROR`: their request is complete.
    var finishedSequences: Set<UInt32> = []
    /// Sequence numbers whose dump the kernel flagged `NLM_F_DUMP_INTR`.
    var interruptedSequences: Set<UInt32> = []
}

/// Splits received datagrams into messages with `mnl_cb_run2(3)`.
enum MessageReader {
    private final class Context {
        var outcome = ReadOutcome()
    }

    /// Walks one datagram.
    ///
    /// Sequence numbers are not checked here (seq 0 is libmnl's wildcard): a datagram may hold answers to
    /// several requests of a batch, and stale answers to an abandoned request are dropped by the caller.
    /// Messages that fail `mnl_nlmsg_ok()` end the walk; nothing past the datagram is read.
    ///
    /// - Parameters:
    ///   - datagram: The bytes `recvfrom` returned.
    ///   - portID: Our port id; messages addressed elsewhere stop the walk (libmnl answers `ESRCH`).
    static func read(_ datagram: UnsafeRawBufferPointer, portID: UInt32) -> ReadOutcome {
        // NOTE: mnl_nlmsg_ok() compares `(int)nlh->nlmsg_len <= len`, so an nlmsg_len of 2^31 or more passes as a
        // negative number, and libmnl (and RawMessage) would then read gigabytes past the datagram. Only the
        // messages that really fit are handed to libmnl.
        let count = wellFormedPrefix(datagram)
        guard let base = datagram.baseAddress, count > 0 else {
            return ReadOutcome()
        }
        let context = Context()
        let data: mnl_cb_t = { nlh, data in
            let context = Unmanaged<Context>.fromOpaque(data!).takeUnretainedValue()
            if let nlh, let message = RawMessage(nlh) {
                context.outcome.messages.append(message)
            }
            return MNL_CB_OK
        }
        let control: mnl_cb_t = { nlh, data in
            let context = Unmanaged<Context>.fromOpaque(data!).takeUnretainedValue()
            if let nlh, let message = RawMessage(nlh) {
                context.outcome.messages.append(message)
                context.outcome.finishedSequences.insert(message.sequence)
            }
            return MNL_CB_OK
        }
        var controlCallbacks = [mnl_cb_t?](repeating: nil, count: Int(NLMSG_MIN_TYPE))
        controlCallbacks[Int(NLMSG_ERROR)] = control
        controlCallbacks[Int(NLMSG_DONE)] = control

        let result = withExtendedLifetime(context) {
            controlCallbacks.withUnsafeMutableBufferPointer { callbacks in
                mnl_cb_run2(
                    base,
                    count,
                    0,
                    portID,
                    data,
                    Unmanaged.passUnretained(context).toOpaque(),
                    callbacks.baseAddress,
                    UInt32(callbacks.count)
                )
            }
        }
        var outcome = context.outcome
        if result < 0 {
            // mnl_cb_run2 stops at the first NLM_F_DUMP_INTR message (EINTR) or a foreign port id
            // (ESRCH). The rest of the datagram is only scanned for interruptions and ends, so the
            // caller knows when the interrupted dump is over and can redo it.
            scanControl(base, count: count, into: &outcome)
        }
        return outcome
    }

    /// How many leading bytes of `datagram` hold whole messages: each header complete, its `nlmsg_len` at least a
    /// header and within what is left (compared as the unsigned number it is), walked at 4-byte alignment.
    static func wellFormedPrefix(_ datagram: UnsafeRawBufferPointer) -> Int {
        let headerLength = NetlinkConstant.headerLength
        var offset = 0
        while datagram.count - offset >= headerLength {
            let length = Int(datagram.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            guard length >= headerLength, length <= datagram.count - offset else { break }
            offset += min(cmnl_align(length), datagram.count - offset)
        }
        return offset
    }

    private static func scanControl(_ base: UnsafeRawPointer, count: Int, into outcome: inout ReadOutcome) {
        var remaining = Int32(count)
        var nlh: UnsafePointer<nlmsghdr>? = base.assumingMemoryBound(to: nlmsghdr.self)
        while let current = nlh, mnl_nlmsg_ok(current, remaining) {
            let header = current.pointee
            if header.nlmsg_flags & NetlinkConstant.dumpInterrupted != 0 {
                outcome.interruptedSequences.insert(header.nlmsg_seq)
            }
            if header.nlmsg_type == NetlinkConstant.done || header.nlmsg_type == NetlinkConstant.error {
                outcome.finishedSequences.insert(header.nlmsg_seq)
            }
            nlh = UnsafePointer(mnl_nlmsg_next(current, &remaining))
        }
    }
}
