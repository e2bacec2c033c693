import CMnl
import SystemPackage

// Thin wrappers over libmnl's socket calls: they turn `-1`/`errno` into a thrown `Errno` and retry
// `EINTR`, so callers never see an interrupted call (NIO `Syscalls.swift`).

/// An open libmnl socket (`struct mnl_socket *`). Only ``NetlinkSocket`` holds one, behind its mutex.
struct MnlSocketHandle {
    fileprivate let pointer: OpaquePointer
}

private func currentErrno() -> Errno {
    Errno(rawValue: cmnl_errno())
}

/// mnl_socket_open(3): opens a netlink socket of the given bus.
func system_mnl_socket_open(bus: Int32) throws(Errno) -> MnlSocketHandle {
    guard let pointer = mnl_socket_open(bus) else {
        throw currentErrno()
    }
    return MnlSocketHandle(pointer: pointer)
}

/// mnl_socket_bind(3): binds to an automatically chosen port id and the given multicast groups.
func system_mnl_socket_bind(_ socket: MnlSocketHandle, groups: UInt32) throws(Errno) {
    if mnl_socket_bind(socket.pointer, groups, pid_t(MNL_SOCKET_AUTOPID)) < 0 {
        throw currentErrno()
    }
}

/// mnl_socket_get_portid(3): the port id the kernel assigned at bind time.
func system_mnl_socket_get_portid(_ socket: MnlSocketHandle) -> UInt32 {
    UInt32(mnl_socket_get_portid(socket.pointer))
}

/// mnl_socket_setsockopt(3): sets an `int` option at level `SOL_NETLINK`.
func system_mnl_socket_setsockopt(_ socket: MnlSocketHandle, option: Int32, value: Int32) throws(Errno) {
    var value = value
    if mnl_socket_setsockopt(socket.pointer, option, &value, socklen_t(MemoryLayout<Int32>.size)) < 0 {
        throw currentErrno()
    }
}

/// setsockopt(2) `SO_RCVTIMEO`: bounds how long a receive waits for the kernel's answer.
func system_set_receive_timeout(_ socket: MnlSocketHandle, seconds: Int) throws(Errno) {
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    let fd = mnl_socket_get_fd(socket.pointer)
    if setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) < 0 {
        throw currentErrno()
    }
}

/// setsockopt(2) `SO_RCVBUFFORCE`, else `SO_RCVBUF`: sizes the socket's receive queue.
///
/// `SO_RCVBUFFORCE` needs `CAP_NET_ADMIN` and may exceed `net.core.rmem_max`; without the capability
/// (`EPERM`) `SO_RCVBUF` is used, which the kernel caps at `rmem_max` (`socket(7)`). Either way the kernel
/// doubles the value for its bookkeeping overhead (`sk_setsockopt()`).
/// - Returns: The size the kernel then reports (`SO_RCVBUF` read back).
func system_set_receive_buffer(_ socket: MnlSocketHandle, bytes: Int) throws(Errno) -> Int {
    let fd = mnl_socket_get_fd(socket.pointer)
    var value = Int32(clamping: bytes)
    let size = socklen_t(MemoryLayout<Int32>.size)
    if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &value, size) < 0 {
        let errno = currentErrno()
        guard errno == .notPermitted else {
            throw errno
        }
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, size) < 0 {
            throw currentErrno()
        }
    }
    var actual: Int32 = 0
    var actualSize = size
    if getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &actual, &actualSize) < 0 {
        throw currentErrno()
    }
    return Int(actual)
}

/// poll(2) for `POLLIN` on the socket: whether a datagram (or a pending error such as `ENOBUFS`) is ready
/// within `milliseconds` (negative: wait forever). Retries `EINTR` with the same timeout.
func system_poll_readable(_ socket: MnlSocketHandle, milliseconds: Int32) throws(Errno) -> Bool {
    var descriptor = pollfd(fd: mnl_socket_get_fd(socket.pointer), events: Int16(POLLIN), revents: 0)
    while true {
        let ready = poll(&descriptor, 1, milliseconds)
        if ready >= 0 {
            return ready > 0
        }
        let errno = currentErrno()
        if errno != .interrupted {
            throw errno
        }
    }
}

/// poll(2) on the socket and a wake-up descriptor (an eventfd); retries `EINTR`. `milliseconds` -1 waits until one
/// of them is readable.
/// - Returns: Whether the socket is readable, and whether the wake-up descriptor is.
func system_poll_readable(
    _ socket: MnlSocketHandle, wake: Int32, milliseconds: Int32
) throws(Errno) -> (socket: Bool, wake: Bool) {
    var descriptors = [
        pollfd(fd: mnl_socket_get_fd(socket.pointer), events: Int16(POLLIN), revents: 0),
        pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
    ]
    while true {
        let ready = poll(&descriptors, 2, milliseconds)
        if ready >= 0 {
            return (descriptors[0].revents != 0, descriptors[1].revents != 0)
        }
        let errno = currentErrno()
        if errno != .interrupted {
            throw errno
        }
    }
}

/// eventfd(2) with `EFD_CLOEXEC | EFD_NONBLOCK`: a descriptor another thread makes readable with
/// ``system_eventfd_signal(_:)``.
func system_eventfd() throws(Errno) -> Int32 {
    let descriptor = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
    guard descriptor >= 0 else {
        throw currentErrno()
    }
    return descriptor
}

/// Adds 1 to an eventfd's counter, making it readable; retries `EINTR`. A full counter (`EAGAIN`) is readable
/// already.
func system_eventfd_signal(_ descriptor: Int32) {
    var one: UInt64 = 1
    while write(descriptor, &one, MemoryLayout<UInt64>.size) < 0 && currentErrno() == .interrupted {}
}

/// close(2), once, for a descriptor this module opened.
func system_close(_ descriptor: Int32) {
    _ = close(descriptor)
}

/// mnl_socket_sendto(3): sends one datagram (one or several netlink messages); retries `EINTR`.
func system_mnl_socket_sendto(_ socket: MnlSocketHandle, _ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
    while true {
        let sent = mnl_socket_sendto(socket.pointer, bytes.baseAddress, bytes.count)
        if sent >= 0 {
            return sent
        }
        let errno = currentErrno()
        if errno != .interrupted {
            throw errno
        }
    }
}

/// mnl_socket_recvfrom(3): receives one datagram from the kernel; retries `EINTR`.
///
/// libmnl answers `ENOSPC` when the datagram was larger than the buffer (`MSG_TRUNC`).
func system_mnl_socket_recvfrom(_ socket: MnlSocketHandle, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int
{
    while true {
        let received = mnl_socket_recvfrom(socket.pointer, buffer.baseAddress, buffer.count)
        if received >= 0 {
            return received
        }
        let errno = currentErrno()
        if errno != .interrupted {
            throw errno
        }
    }
}

/// mnl_socket_close(3): closes the socket; errors are ignored, as after close(2) nothing can be retried.
func system_mnl_socket_close(_ socket: MnlSocketHandle) {
    _ = mnl_socket_close(socket.pointer)
}

/// A first netlink sequence number taken from the clock, as iproute2 does with `time(NULL)`.
func system_sequence_seed() -> UInt32 {
    max(cmnl_sequence_seed(), 1)
}

private final class ThreadBody {
    let run: @Sendable () -> Void

    init(_ run: @escaping @Sendable () -> Void) {
        self.run = run
    }
}

/// pthread_create(3), detached: runs `body` on a thread of its own, outside Swift's cooperative pool, for work
/// that blocks in the kernel (a `poll(2)` on a netlink socket).
func system_spawn_thread(_ body: @escaping @Sendable () -> Void) throws(Errno) {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
        &thread,
        nil,
        { context in
            let body = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
            // Named for ps(1), top(1) and /proc/PID/task/TID/comm: at most 15 bytes.
            cmnl_set_thread_name("netlink-monitor")
            body.run()
            return nil
        },
        context
    )
    guard result == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(context).release()
        throw Errno(rawValue: result)
    }
    pthread_detach(thread)
}
