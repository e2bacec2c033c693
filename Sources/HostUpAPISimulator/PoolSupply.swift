import IPv6Addressing

/// Where new /48 pools come from: the /48 children of a parent prefix, handed out in order and never reused.
///
/// The default parent `2001:db8:1000::/36` (RFC 3849 documentation space) yields `2001:db8:1000::/48`,
/// `2001:db8:1001::/48`, ... A released pool is not handed out again (the real API has a 24-hour cooldown).
struct PoolSupply: Sendable {
    let parent: IPv6Prefix
    private var nextIndex = 0

    init(parent: IPv6Prefix) {
        self.parent = parent
    }

    /// The next /48 of the supply that overlaps none of `inUse`, or `nil` when the supply is exhausted.
    mutating func next(excluding inUse: [IPv6Prefix]) -> IPv6Prefix? {
        while let candidate = try? parent.subnet(ofLength: 48, index: nextIndex) {
            nextIndex += 1
            if !inUse.contains(where: { $0.overlaps(candidate) }) {
                return candidate
            }
        }
        return nil
    }
}
