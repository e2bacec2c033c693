/// xoshiro256** (Blackman and Vigna, 2018): a small, fast, seedable generator, so that a run of the simulator is
/// the same run every time.
struct Xoshiro256: RandomNumberGenerator {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Seeds the four words from `seed` with distinct odd constants, then drops the first outputs, which still
    /// show the seed's pattern.
    init(seed: UInt64) {
        s0 = seed ^ 0x9E37_79B9_7F4A_7C15
        s1 = (seed &* 0xBF58_476D_1CE4_E5B9) | 1
        s2 = ~seed ^ 0x94D0_49BB_1331_11EB
        s3 = seed &+ 0x2545_F491_4F6C_DD1D
        for _ in 0..<32 { _ = next() }
    }

    mutating func next() -> UInt64 {
        let result = rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotate(s3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
