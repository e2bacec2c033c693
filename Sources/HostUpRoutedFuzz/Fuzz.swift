import FoundationEssentials
import HostUpAPI
@_spi(Testing) import Netlink
import RoutingAgent

#if canImport(Glibc)
import Glibc
#endif

/// `hostup-routed-fuzz TARGET SECONDS SEED CORPUS_DIR...`: feeds random and mutated inputs to one parser of
/// untrusted input for SECONDS, starting from the seed files in the corpus directories; prints how many inputs
/// ran. A crash (a trap: overflow, out-of-range index, force unwrap; an assertion) ends the process, which the
/// script reports with the seed and the input that killed it. Test and development only: never shipped.
///
/// Targets: `config` (``AgentConfiguration/parse(_:file:environment:)``), `document` (the API's state document,
/// decoded and validated), `netlink` (every decoder of kernel messages).
@main
enum Fuzz {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 5, let seconds = Double(arguments[2]), let seed = UInt64(arguments[3]) else {
            print("usage: hostup-routed-fuzz config|document|netlink SECONDS SEED CORPUS_DIR... [--crash-file PATH]")
            exit(64)
        }
        var directories = Array(arguments[4...])
        var crashFile: String?
        if let flag = directories.firstIndex(of: "--crash-file"), flag + 1 < directories.count {
            crashFile = directories[flag + 1]
            directories.removeSubrange(flag...(flag + 1))
        }
        let target: (Target, [String])
        switch arguments[1] {
        case "config": target = (Target.config, ["[[", "]]", "[", "]", "=", "\"", "'", "\"\"\"", "'''", "\n", "#",
            "\\u", "\\U0010FFFF", "\\", ".", ",", "{", "}", "true", "false", "-", "+", "0x", "0o", "0b", "_", "inf",
            "nan", "1979-05-27T07:32:00Z", "9223372036854775808", "bindings", "mode", "split", "\u{0}", "\u{FEFF}"])
        case "document": target = (Target.document, ["{", "}", "[", "]", ":", ",", "\"", "null", "true", "false",
            "12345", "-1", "1e999", "0.5", "\"vpsId\"", "\"pools\"", "\"routes\"", "\"prefix\"", "\"prefixLength\"",
            "\"parentCidr\"", "\"2000::/3\"", "\"::/0\"", "\\u0000", "\"active\""])
        case "netlink": target = (Target.netlink, [])
        default:
            print("unknown target \(arguments[1])")
            exit(64)
        }
        var seeds: [[UInt8]] = []
        for directory in directories {
            for name in (try? listDirectory(directory)) ?? [] {
                if let bytes = try? readFile(directory + "/" + name) { seeds.append(bytes) }
            }
        }
        if seeds.isEmpty { seeds = [[]] }
        var mutator = Mutator(seed: seed, seeds: seeds, tokens: target.1.map { Array($0.utf8) })
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        var count = 0
        // Every seed as it is first, then mutants until the deadline.
        var queue = seeds
        while ContinuousClock.now < deadline || !queue.isEmpty {
            let input = queue.popLast() ?? mutator.next()
            if let crashFile { _ = try? writeFile(input, to: crashFile) }
            target.0.run(input)
            count += 1
        }
        print("\(arguments[1]): \(count) inputs from \(seeds.count) seeds in \(seconds) s (seed \(seed)), no crash")
    }
}

/// One parser of untrusted input.
enum Target {
    case config, document, netlink

    func run(_ input: [UInt8]) {
        switch self {
        case .config:
            _ = try? AgentConfiguration.parse(String(decoding: input, as: UTF8.self), file: "fuzz.toml", environment: [:])
        case .document:
            guard let document = try? JSONDecoder().decode(RoutedIPv6State.self, from: Data(input)) else { return }
            _ = RouteValidator(vpsID: "vps_01hxa3b4c5d6e7f8g9h0j1k2m5", uplinkPrefixes: []).validate(document)
        case .netlink:
            _ = DatagramDecoding.decodeAll(input)
        }
    }
}

/// Seeded mutations of seed inputs: bit flips, byte sets, inserts, deletions, duplications, splices, tokens.
struct Mutator {
    var state: UInt64
    let seeds: [[UInt8]]
    let tokens: [[UInt8]]

    init(seed: UInt64, seeds: [[UInt8]], tokens: [[UInt8]]) {
        state = seed
        self.seeds = seeds
        self.tokens = tokens
    }

    /// SplitMix64.
    mutating func random() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int {
        bound <= 0 ? 0 : Int(random() % UInt64(bound))
    }

    mutating func next() -> [UInt8] {
        if below(32) == 0 {
            return (0..<below(512)).map { _ in UInt8(truncatingIfNeeded: random()) }
        }
        var input = seeds[below(seeds.count)]
        for _ in 0..<(1 + below(8)) {
            let position = below(input.count + 1)
            switch below(tokens.isEmpty ? 6 : 8) {
            case 0 where !input.isEmpty:
                input[min(position, input.count - 1)] ^= UInt8(1 << below(8))
            case 1 where !input.isEmpty:
                input[min(position, input.count - 1)] = [0, 0xFF, 0x7F, 0x80, 0x01, UInt8(truncatingIfNeeded: random())][below(6)]
            case 2:
                input.insert(contentsOf: (0..<(1 + below(8))).map { _ in UInt8(truncatingIfNeeded: random()) }, at: position)
            case 3 where !input.isEmpty:
                let end = min(input.count, position + 1 + below(32))
                input.removeSubrange(min(position, input.count - 1)..<end)
            case 4 where !input.isEmpty:
                let start = min(position, input.count - 1)
                let end = min(input.count, start + 1 + below(64))
                let chunk = Array(input[start..<end])
                for _ in 0..<(1 + below(4)) { input.insert(contentsOf: chunk, at: below(input.count + 1)) }
            case 5:
                let other = seeds[below(seeds.count)]
                if !other.isEmpty {
                    let start = below(other.count)
                    let end = min(other.count, start + 1 + below(128))
                    input.insert(contentsOf: other[start..<end], at: position)
                }
            case 6, 7:
                let token = tokens[below(tokens.count)]
                input.insert(contentsOf: below(8) == 0 ? Array(repeating: token, count: 1 + below(2000)).flatMap { $0 } : token, at: position)
            default:
                break
            }
        }
        return input
    }
}

private func listDirectory(_ path: String) throws -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

private func readFile(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { return [] }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    return bytes
}

private func writeFile(_ bytes: [UInt8], to path: String) throws {
    guard let file = fopen(path, "wb") else { return }
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
}
