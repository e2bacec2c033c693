import IPv6Addressing

/// Finds room for a new route inside a pool: the server side of "prefix is optional".
enum ChildPrefixFinder {
    /// The lowest child of `pool` of the given length that overlaps none of `taken`.
    ///
    /// Children are tried in address order (`subnet(ofLength:index:)`), skipping past each blocking route at once,
    /// so a /48 full of /64s costs one step per route, not 65536.
    ///
    /// - Parameters:
    ///   - pool: The parent prefix, e.g. a /48.
    ///   - length: The child length, `pool.length...128`.
    ///   - taken: Prefixes already routed (inside the pool or not).
    /// - Returns: The first free child, or `nil` when none is free (or `length` is shorter than the pool).
    static func firstFree(in pool: IPv6Prefix, length: Int, taken: [IPv6Prefix]) -> IPv6Prefix? {
        guard length >= pool.length, length <= 128 else { return nil }
        let blockers = taken.filter { $0.overlaps(pool) }.sorted()
        let childBits = 128 - length
        var index = 0
        while let candidate = try? pool.subnet(ofLength: length, index: index) {
            guard let blocker = blockers.first(where: { $0.overlaps(candidate) }) else {
                return candidate
            }
            // Resume at the first child past both the candidate and the route that blocks it.
            let end = max(candidate.lastAddress.value, blocker.lastAddress.value)
            guard end < pool.lastAddress.value else { return nil }
            guard let next = Int(exactly: (end + 1 - pool.address.value) >> childBits) else { return nil }
            index = next
        }
        return nil
    }
}
