import SystemdIntegration
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// These tests change the process environment (`NOTIFY_SOCKET`, `WATCHDOG_USEC`), so they run one at a time and
/// restore it afterwards.
@Suite(.serialized)
struct ServiceNotifierTests {
    /// Runs `body` with `NOTIFY_SOCKET` pointing at a fresh socket.
    private func withNotifySocket(_ body: (NotifySocket) throws -> Void) rethrows {
        let socket = NotifySocket()
        setenv("NOTIFY_SOCKET", socket.path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        try body(socket)
    }

    private func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }

    @Test func sendsReadyAndStatusInOneDatagram() {
        withNotifySocket { socket in
            let notifier = ServiceNotifier()
            #expect(notifier.isEnabled)
            #expect(notifier.notify([.ready, .status("3 routes on eth0\nlast sync 2 s ago")]))
            #expect(socket.receive() == "READY=1\nSTATUS=3 routes on eth0 last sync 2 s ago")
        }
    }

    @Test(arguments: [
        (NotifyState.stopping, "STOPPING=1"),
        (NotifyState.watchdog, "WATCHDOG=1"),
        (NotifyState.ready, "READY=1"),
        (NotifyState.status("degraded: API unreachable"), "STATUS=degraded: API unreachable"),
    ])
    func sendsEachState(state: NotifyState, payload: String) {
        withNotifySocket { socket in
            #expect(ServiceNotifier().notify([state]))
            #expect(socket.receive() == payload)
        }
    }

    @Test func reloadingCarriesTheMonotonicClockInMicroseconds() throws {
        try withNotifySocket { socket in
            let before = monotonicMicroseconds()
            #expect(ServiceNotifier().notify([.reloading]))
            let after = monotonicMicroseconds()
            let message = try #require(socket.receive())
            let lines = message.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.first == "RELOADING=1")
            let stamp = try #require(lines.last?.split(separator: "=", maxSplits: 1))
            #expect(stamp.first == "MONOTONIC_USEC")
            let value = try #require(UInt64(stamp.last!))
            #expect(value >= before && value <= after)
        }
    }

    @Test func sendsTheReloadSequence() {
        withNotifySocket { socket in
            let notifier = ServiceNotifier()
            notifier.notify([.reloading])
            notifier.notify([.ready, .status("reloaded")])
            #expect(socket.receive()?.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") == true)
            #expect(socket.receive() == "READY=1\nSTATUS=reloaded")
        }
    }

    @Test func isANoOpOutsideSystemd() {
        let socket = NotifySocket()
        unsetenv("NOTIFY_SOCKET")
        let notifier = ServiceNotifier()
        #expect(!notifier.isEnabled)
        #expect(!notifier.notify([.ready]))
        #expect(socket.receive(timeoutMilliseconds: 100) == nil)

        setenv("NOTIFY_SOCKET", "", 1)
        defer { unsetenv("NOTIFY_SOCKET") }
        #expect(!ServiceNotifier().isEnabled)
        #expect(!ServiceNotifier().notify([.stopping]))
    }

    @Test func sendsNothingForNoStates() {
        withNotifySocket { socket in
            #expect(!ServiceNotifier().notify([]))
            #expect(socket.receive(timeoutMilliseconds: 100) == nil)
        }
    }

    @Test func readsTheWatchdogIntervalForThisProcess() {
        defer {
            unsetenv("WATCHDOG_USEC")
            unsetenv("WATCHDOG_PID")
        }
        unsetenv("WATCHDOG_USEC")
        unsetenv("WATCHDOG_PID")
        #expect(ServiceNotifier.watchdogInterval() == nil)

        setenv("WATCHDOG_USEC", "2000000", 1)
        #expect(ServiceNotifier.watchdogInterval() == .seconds(2))

        setenv("WATCHDOG_PID", "\(getpid())", 1)
        #expect(ServiceNotifier.watchdogInterval() == .seconds(2))

        setenv("WATCHDOG_USEC", "250000", 1)
        #expect(ServiceNotifier.watchdogInterval() == .milliseconds(250))

        setenv("WATCHDOG_PID", "\(getpid() + 1)", 1)
        #expect(ServiceNotifier.watchdogInterval() == nil, "the watchdog is meant for another process")

        setenv("WATCHDOG_PID", "\(getpid())", 1)
        setenv("WATCHDOG_USEC", "soon", 1)
        #expect(ServiceNotifier.watchdogInterval() == nil)
        setenv("WATCHDOG_USEC", "0", 1)
        #expect(ServiceNotifier.watchdogInterval() == nil)
    }
}
