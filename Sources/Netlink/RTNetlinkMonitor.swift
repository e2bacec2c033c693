import Synchronization
import SystemPackage

/// A `NETLINK_ROUTE` socket that listens to the kernel's announcements of link, IPv6 address, IPv6 route and IPv6
/// netconf changes (`rtnetlink(7)`, over libmnl).
///
/// Subscribe *before* dumping: a change made between the dump and the subscription would otherwise be missed.
/// Changes made before the dump may still arrive after it; applying them in order to the dump's result is safe as
/// long as each one sets or removes one object (see `KernelMirror` in the Reconciliation module).
///
/// When the kernel cannot queue an announcement because the receive buffer is full, the next read reports
/// ``RTNetlinkEvent/lostEvents`` (`ENOBUFS`, `netlink(7)`); the listener must then dump again.
public final class RTNetlinkMonitor: Sendable {
    /// The receive buffer asked for by default: 8 MiB.
    ///
    /// A burst of changes (a network manager flushing routes, thousands of routes added at once) is queued there
    /// until read; one announcement takes about 1 KiB of it (the datagram plus the kernel's `sk_buff` overhead).
    public static let defaultReceiveBufferSize = 8 << 20

    /// Reads are done into a buffer of this size. Announcements are one message each, well below it; a longer one
    /// is truncated (`MSG_TRUNC`) and reported as lost.
    private static let readBufferSize = 32768

    private struct Connection {
        let handle: MnlSocketHandle
        var buffer: [UInt8]
    }

    private let connection: Mutex<Connection>

    /// The receive buffer the kernel granted (`SO_RCVBUF` read back): twice the size asked for, as the kernel
    /// counts its bookkeeping too (`socket(7)`).
    public let receiveBufferSize: Int

    /// Opens the socket, sizes its receive buffer and joins the four groups.
    ///
    /// The groups are joined with `NETLINK_ADD_MEMBERSHIP` after `bind(2)`, not through the bind's `nl_groups`
    /// mask: the mask only reaches groups 1 to 32 (`netlink(7)`), and a bind with an empty mask after joining
    /// would clear the memberships below 32 again (`netlink_bind()` in net/netlink/af_netlink.c). Listening needs
    /// no privilege for rtnetlink (`NL_CFG_F_NONROOT_RECV`).
    ///
    /// The corresponding C functions are `mnl_socket_open(3)`, `mnl_socket_bind(3)` and `mnl_socket_setsockopt(3)`.
    /// - Parameter receiveBufferSize: Bytes asked for the receive queue, with `SO_RCVBUFFORCE` (needs
    ///   `CAP_NET_ADMIN`), else `SO_RCVBUF` (capped by `net.core.rmem_max`). Defaults to
    ///   ``defaultReceiveBufferSize`` (8 MiB).
    /// - Throws: ``NetlinkError`` naming the failed call.
    public init(receiveBufferSize: Int = RTNetlinkMonitor.defaultReceiveBufferSize) throws {
        let handle: MnlSocketHandle
        do {
            handle = try system_mnl_socket_open(bus: NetlinkConstant.route)
        } catch {
            throw NetlinkError.system("socket", error, "cannot open a NETLINK_ROUTE socket")
        }
        var operation = "setsockopt"
        do {
            self.receiveBufferSize = try system_set_receive_buffer(handle, bytes: receiveBufferSize)
            operation = "bind"
            try system_mnl_socket_bind(handle, groups: 0)
            operation = "setsockopt"
            for group in [
                MulticastGroup.link, MulticastGroup.ipv6Address, MulticastGroup.ipv6Route, MulticastGroup.ipv6Netconf,
            ] {
                try system_mnl_socket_setsockopt(
                    handle,
                    option: NetlinkConstant.addMembershipOption,
                    value: Int32(group)
                )
            }
        } catch {
            system_mnl_socket_close(handle)
            throw NetlinkError.system(operation, error, "cannot subscribe to rtnetlink announcements")
        }
        connection = Mutex(Connection(handle: handle, buffer: [UInt8](repeating: 0, count: Self.readBufferSize)))
    }

    deinit {
        connection.withLock { system_mnl_socket_close($0.handle) }
    }

    /// Waits for one datagram and decodes it.
    ///
    /// Messages that are malformed, of another family or of no interest are skipped. `ENOBUFS` (the queue
    /// overflowed) and a truncated datagram come back as ``RTNetlinkEvent/lostEvents``, never swallowed. Blocks the
    /// calling thread for up to `timeout`: call it from a thread of its own (``events(pollInterval:bufferLimit:)``
    /// does), not from Swift's cooperative pool.
    ///
    /// The corresponding C functions are `poll(2)` and `mnl_socket_recvfrom(3)`.
    /// - Parameter timeout: How long to wait for a datagram; `nil` waits until one comes. Defaults to `nil`.
    /// - Returns: The datagram's events, in order; empty when the timeout passed or nothing in it was of interest.
    /// - Throws: ``NetlinkError`` when `poll` or `recvfrom` fail otherwise.
    public func receive(timeout: Duration? = nil) throws -> [RTNetlinkEvent] {
        try receive(timeout: timeout, wake: nil)
    }

    /// ``receive(timeout:)``, returning early (with no events) when `wake` is readable.
    private func receive(timeout: Duration?, wake: WakeDescriptor?) throws -> [RTNetlinkEvent] {
        try connection.withLock { connection throws(NetlinkError) -> [RTNetlinkEvent] in
            let handle = connection.handle
            let ready: Bool
            do throws(Errno) {
                let milliseconds = Self.milliseconds(timeout)
                if let wake {
                    let readable = try system_poll_readable(handle, wake: wake.descriptor, milliseconds: milliseconds)
                    ready = readable.socket && !readable.wake
                } else {
                    ready = try system_poll_readable(handle, milliseconds: milliseconds)
                }
            } catch {
                throw NetlinkError.system("poll", error, "cannot wait on the netlink monitor socket")
            }
            guard ready else {
                return []
            }
            let received = connection.buffer.withUnsafeMutableBytes { raw in
                Result { () throws(Errno) in
                    let count = try system_mnl_socket_recvfrom(handle, raw)
                    // Announcements carry the port id of whoever caused them, so any port id is accepted (0).
                    return MessageReader.read(UnsafeRawBufferPointer(rebasing: raw[..<count]), portID: 0)
                }
            }
            switch received {
            case .success(let outcome):
                return outcome.messages.compactMap(RTNetlinkEvent.init(message:))
            case .failure(.noBufferSpace), .failure(.noSpace):
                // ENOBUFS: netlink_overrun() dropped announcements; ENOSPC: libmnl saw MSG_TRUNC.
                return [.lostEvents]
            case .failure(let errno):
                throw NetlinkError.system("recvfrom", errno, "cannot read the netlink monitor socket")
            }
        }
    }

    /// The announcements as an asynchronous sequence, read on a dedicated thread.
    ///
    /// The thread waits in `poll(2)` for the socket or an eventfd that the sequence's end (cancelled or dropped)
    /// makes readable, so it sleeps until there is something to do, and ends when the sequence does. When the
    /// consumer falls `bufferLimit` events behind, newer
    /// events are dropped and one ``RTNetlinkEvent/lostEvents`` is delivered as soon as there is room again, as if
    /// the kernel's queue had overflowed.
    ///
    /// - Important: Call it once per monitor: two readers would split the announcements between them.
    /// - Parameters:
    ///   - pollInterval: The longest the thread sleeps in one `poll`; `nil` (the default) sleeps until the socket or
    ///     the sequence's end wakes it.
    ///   - bufferLimit: Events held for a slow consumer. Defaults to 65 536.
    /// - Returns: The events; the sequence throws ``NetlinkError`` when the socket or the eventfd cannot be used.
    public func events(
        pollInterval: Duration? = nil,
        bufferLimit: Int = 65536
    ) -> AsyncThrowingStream<RTNetlinkEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(
            of: RTNetlinkEvent.self,
            throwing: (any Error).self,
            bufferingPolicy: .bufferingOldest(bufferLimit)
        )
        let stop = StopFlag()
        let wake: WakeDescriptor
        do {
            wake = try WakeDescriptor()
        } catch {
            continuation.finish(throwing: NetlinkError.system("eventfd", error, "cannot start the netlink monitor"))
            return stream
        }
        // NOTE: Until 0.2 the thread woke every 100 ms to look at the flag: 10 % of the daemon's CPU when nothing
        // happens. The eventfd wakes it only when the sequence ends.
        continuation.onTermination = { _ in
            stop.set()
            wake.signal()
        }
        do {
            try system_spawn_thread { [self] in
                var lossPending = false
                while !stop.isSet {
                    let events: [RTNetlinkEvent]
                    do {
                        events = try receive(timeout: pollInterval, wake: wake)
                    } catch {
                        continuation.finish(throwing: error)
                        return
                    }
                    if lossPending {
                        guard case .enqueued = continuation.yield(.lostEvents) else {
                            continue
                        }
                        lossPending = false
                    }
                    for event in events {
                        switch continuation.yield(event) {
                        case .enqueued: continue
                        case .dropped: lossPending = true
                        case .terminated: return
                        @unknown default: lossPending = true
                        }
                        break
                    }
                }
                continuation.finish()
            }
        } catch {
            continuation.finish(
                throwing: NetlinkError.system("pthread_create", error, "cannot start the netlink monitor thread")
            )
        }
        return stream
    }

    private static func milliseconds(_ timeout: Duration?) -> Int32 {
        guard let timeout else {
            return -1
        }
        let (seconds, attoseconds) = timeout.components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else {
            return 0
        }
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }
}

/// An eventfd that ends a `poll(2)` from another thread; closed when the last holder lets go.
private final class WakeDescriptor: Sendable {
    let descriptor: Int32

    init() throws(Errno) {
        descriptor = try system_eventfd()
    }

    deinit {
        system_close(descriptor)
    }

    func signal() {
        system_eventfd_signal(descriptor)
    }
}

private final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)

    var isSet: Bool {
        value.load(ordering: .acquiring)
    }

    func set() {
        value.store(true, ordering: .releasing)
    }
}
