import FoundationEssentials

/// ULID-like identifiers: 26 lower-case Crockford base32 characters, 48 bits of milliseconds then 80 random bits.
///
/// The HostUp API's ids look like `ripv6rt_01hxa3b4c5d6e7f8g9h0j1k2m4`; the simulator mints ids of the same shape
/// so clients cannot tell them apart. Ids minted in one millisecond differ only in their random part.
enum SimulatorIdentifier {
    /// Crockford's base32 alphabet, lower case (no i, l, o, u).
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

    /// A fresh identifier with the given prefix, e.g. `make("ripv6_")`.
    static func make(_ prefix: String, now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt128(UInt64(max(0, now.timeIntervalSince1970 * 1000)))
        let random = UInt128(generator.next() as UInt64) << 16 | UInt128(generator.next() as UInt16)
        let value = milliseconds << 80 | random
        var characters: [Character] = []
        characters.reserveCapacity(26)
        for index in (0..<26).reversed() {
            characters.append(alphabet[Int(value >> (index * 5) & 0x1f)])
        }
        return prefix + String(characters)
    }
}
