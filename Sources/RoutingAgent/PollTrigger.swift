import Synchronization

/// Wakes the poll loop before its timer: a reload (SIGHUP) or a request to sync now.
///
/// A fire while nobody waits is kept and ends the next wait at once, so a signal that arrives during a step is not
/// lost. Several fires before a wait count as one: a reload if any of them was one, else a sync.
public final class PollTrigger: Sendable {
    /// Why the loop was woken.
    public enum Reason: Sendable, Equatable {
        /// Re-read the configuration, then reconcile (SIGHUP).
        case reload
        /// Fetch and reconcile now.
        case syncNow
    }

    private struct State {
        var pending: Reason?
        var waiter: CheckedContinuation<Reason?, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the current or the next ``wait(upTo:)``.
    public func fire(_ reason: Reason) {
        let waiter = state.withLock { state -> CheckedContinuation<Reason?, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            // A pending reload is kept: it syncs too, so a later sync request is already covered.
            state.pending = state.pending == .reload ? .reload : reason
            return nil
        }
        waiter?.resume(returning: reason)
    }

    /// Waits until `delay` has passed or ``fire(_:)`` is called, whichever comes first.
    ///
    /// - Returns: The reason it was fired, or `nil` when the delay passed (or the task was cancelled).
    public func wait(upTo delay: Duration) async -> Reason? {
        if let pending = state.withLock({ state -> Reason? in
            defer { state.pending = nil }
            return state.pending
        }) {
            return pending
        }
        return await withTaskGroup(of: Reason?.self) { group in
            group.addTask {
                try? await Task.sleep(for: delay)
                return nil
            }
            group.addTask {
                await self.waitForFire()
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            // The other child must finish too: end the fire wait if it is still parked. A fire that raced the
            // timer still wins, so it is never lost.
            self.cancelWaiter()
            let second = await group.next() ?? nil
            return first ?? second
        }
    }

    private func waitForFire() async -> Reason? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Reason?, Never>) in
                let resumeNow = state.withLock { state -> Reason?? in
                    if Task.isCancelled { return .some(nil) }
                    if let pending = state.pending {
                        state.pending = nil
                        return .some(pending)
                    }
                    state.waiter = continuation
                    return .none
                }
                if let result = resumeNow { continuation.resume(returning: result) }
            }
        } onCancel: {
            cancelWaiter()
        }
    }

    private func cancelWaiter() {
        let waiter = state.withLock { state -> CheckedContinuation<Reason?, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}
