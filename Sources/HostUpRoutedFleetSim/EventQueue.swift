/// The simulator's pending requests, earliest first: a binary min-heap of (time, agent) packed into one `UInt64`
/// (the time in milliseconds above the agent's index), so that ties break by agent and a run is deterministic.
struct EventQueue {
    /// Bits for the agent's index: up to 2²² (4 194 304) agents.
    static let agentBits: UInt64 = 22
    private var heap: [UInt64] = []

    init(capacity: Int) { heap.reserveCapacity(capacity) }

    var isEmpty: Bool { heap.isEmpty }

    /// Adds a request of `agent` at `milliseconds` after the start of the simulation.
    mutating func push(milliseconds: Int64, agent: Int) {
        precondition(milliseconds >= 0 && agent < 1 << Self.agentBits)
        heap.append(UInt64(milliseconds) << Self.agentBits | UInt64(agent))
        var child = heap.count - 1
        let key = heap[child]
        while child > 0 {
            let parent = (child - 1) / 2
            if heap[parent] <= key { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = key
    }

    /// Removes and returns the earliest request.
    mutating func pop() -> (milliseconds: Int64, agent: Int)? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            var parent = 0
            let count = heap.count
            while true {
                var child = 2 * parent + 1
                if child >= count { break }
                if child + 1 < count && heap[child + 1] < heap[child] { child += 1 }
                if last <= heap[child] { break }
                heap[parent] = heap[child]
                parent = child
            }
            heap[parent] = last
        }
        return (Int64(first >> Self.agentBits), Int(first & (1 << Self.agentBits - 1)))
    }
}
