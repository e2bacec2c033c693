import FoundationEssentials

/// Reads the IPv6 `FORWARD` policy out of firewall dumps, for `hostup-routed doctor`: Docker, for one, sets the
/// ip6tables `FORWARD` policy to `DROP`, and traffic routed to a bridge then dies without a trace.
///
/// Pure: the caller runs the tools (`nft -j list ruleset`, `ip6tables-save`, `ip6tables-legacy-save`; the daemon
/// never does) and passes their output. A chain counts as dropping forwarded IPv6 traffic to an interface when it
/// is a base chain of the forward hook (nftables families `ip6` and `inet`; the `filter` table's `FORWARD` chain of
/// ip6tables) whose policy is drop, unless its rules accept everything leaving through that interface and everything
/// coming in from it (the answers): rules whose verdict is accept and whose only match is the output interface
/// (`-o br0 -j ACCEPT`, `oifname "br0" accept`) and the input interface (`-i br0 -j ACCEPT`, `iifname "br0" accept`),
/// or a rule that matches nothing. A rule restricted further (`--ctstate RELATED,ESTABLISHED`
/// lets only answers through) does not count, nor does an accept in a chain jumped to: such a setup is reported,
/// and the admin judges it.
public enum ForwardPolicy {
    /// A forward-hook chain whose drop policy applies to some forwarding interfaces.
    public struct Drop: Equatable, Sendable {
        /// The chain, e.g. `nft inet filter forward` or `ip6tables-legacy filter FORWARD`.
        public var chain: String
        /// The interfaces whose forwarded traffic no rule of the chain accepts, in the order asked.
        public var interfaces: [String]
    }

    /// Why a dump could not be read.
    public struct Unreadable: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The dropping forward-hook chains in `nft -j list ruleset` output (libnftables-json(5)).
    ///
    /// - Parameters:
    ///   - json: The tool's standard output.
    ///   - interfaces: The interfaces forwarding bindings route to.
    /// - Throws: ``Unreadable`` when the output is not nftables JSON.
    public static func nftablesDrops(json: [UInt8], interfaces: [String]) throws -> [Drop] {
        let document: NFTDocument
        do {
            document = try JSONDecoder().decode(NFTDocument.self, from: Data(json))
        } catch {
            throw Unreadable(description: "nft -j list ruleset printed no nftables JSON: \(error)")
        }
        let objects = document.nftables
        var drops: [Drop] = []
        for case let chain? in objects.map(\.chain)
        where ["ip6", "inet"].contains(chain.family) && chain.hook == "forward" && chain.policy == "drop" {
            let rules = objects.compactMap(\.rule).filter {
                $0.family == chain.family && $0.table == chain.table && $0.chain == chain.name
            }
            let blocked = interfaces.filter { interface in
                !rules.contains { $0.acceptsAll(interface, key: "oifname") }
                    || !rules.contains { $0.acceptsAll(interface, key: "iifname") }
            }
            if !blocked.isEmpty {
                drops.append(Drop(chain: "nft \(chain.family) \(chain.table) \(chain.name)", interfaces: blocked))
            }
        }
        return drops
    }

    /// The `filter` table's `FORWARD` chain in `ip6tables-save` output, when its policy is `DROP` for some of
    /// `interfaces`.
    ///
    /// - Parameters:
    ///   - save: The tool's standard output (iptables-save(8) format); empty when the tables are not loaded.
    ///   - tool: The tool's name, for ``Drop/chain``.
    ///   - interfaces: The interfaces forwarding bindings route to.
    public static func ip6tablesDrops(save: String, tool: String, interfaces: [String]) -> [Drop] {
        var table = ""
        var policy: String?
        var accepted: Set<[String]> = []
        var acceptsEverything = false
        for raw in save.split(separator: "\n") {
            let line = String(raw.drop { $0 == " " || $0 == "\t" || $0 == "\r" })
            if line.hasPrefix("*") {
                table = String(line.dropFirst())
                continue
            }
            guard table == "filter" else { continue }
            let words = line.split(separator: " ").map(String.init)
            if words.first == ":FORWARD", words.count >= 2 {
                policy = words[1]
            } else if words.count >= 2, words[0] == "-A", words[1] == "FORWARD" {
                var options = Array(words.dropFirst(2))
                guard options.suffix(2) == ["-j", "ACCEPT"] else { continue }
                options.removeLast(2)
                if options.isEmpty {
                    acceptsEverything = true
                } else if options.count == 2, options[0] == "-o" || options[0] == "-i" {
                    accepted.insert(options)
                }
            }
        }
        guard policy == "DROP", !acceptsEverything else { return [] }
        let blocked = interfaces.filter { !accepted.contains(["-o", $0]) || !accepted.contains(["-i", $0]) }
        return blocked.isEmpty ? [] : [Drop(chain: "\(tool) filter FORWARD", interfaces: blocked)]
    }

    // MARK: - nftables JSON (libnftables-json(5)): only what is read here

    private struct NFTDocument: Decodable {
        var nftables: [NFTObject]
    }

    private struct NFTObject: Decodable {
        var chain: NFTChain?
        var rule: NFTRule?
    }

    private struct NFTChain: Decodable {
        var family: String
        var table: String
        var name: String
        var hook: String?
        var policy: String?
    }

    private struct NFTRule: Decodable {
        var family: String
        var table: String
        var chain: String
        var expr: [NFTValue]?

        /// An accept verdict whose only matches are `key == interface` (`key` is `oifname` or `iifname`), or none.
        func acceptsAll(_ interface: String, key wanted: String) -> Bool {
            let statements = expr ?? []
            guard statements.contains(where: { $0["accept"] != nil }) else { return false }
            for statement in statements {
                if let match = statement["match"] {
                    let key = match["left"]?["meta"]?["key"]?.string
                    guard match["op"]?.string ?? "==" == "==", key == wanted,
                        match["right"]?.string == interface
                    else { return false }
                } else if statement["accept"] == nil && statement["counter"] == nil {
                    return false
                }
            }
            return true
        }
    }

    /// Any JSON value; nftables expressions nest freely.
    private indirect enum NFTValue: Decodable {
        case object([String: NFTValue])
        case array([NFTValue])
        case string(String)
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let object = try? container.decode([String: NFTValue].self) {
                self = .object(object)
            } else if let array = try? container.decode([NFTValue].self) {
                self = .array(array)
            } else if let string = try? container.decode(String.self) {
                self = .string(string)
            } else {
                self = .other
            }
        }

        subscript(key: String) -> NFTValue? {
            if case .object(let object) = self { return object[key] }
            return nil
        }

        var string: String? {
            if case .string(let string) = self { return string }
            return nil
        }
    }
}
