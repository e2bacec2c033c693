import FoundationEssentials

/// Reads the IPv6 `FORWARD` policy out of firewall dumps, for `hostup-routed doctor`: Docker, for one, sets the
/// ip6tables `FORWARD` policy to `DROP`, and traffic routed to a bridge then dies without a trace.
///
/// Pure: the caller runs the tools (`nft -j list ruleset`, `ip6tables-save`, `ip6tables-legacy-save`; the daemon
/// never does) and passes their output. The chains read are the base chains of the forward hook (nftables families
/// `ip6` and `inet`; the `filter` table's `FORWARD` chain of ip6tables). For a forwarding interface, each is walked
/// as the kernel walks it, twice: for the routed traffic, which comes in on the uplink and leaves through the
/// interface, and for its answers, the other way. The first rule that matches all of that traffic decides: its
/// verdict `accept`, or `drop` / `reject`; a jump or goto to a chain walks that chain; when nothing decides, the base
/// chain's policy does. A rule matches all of it when its only matches are on the two interfaces (`-i eth0 -o br0`,
/// `oifname "br0"`, a wildcard `br+` / `"br*"`, a set, a verdict map, `!` / `!=`) or it has none; a conntrack
/// state with `established` matches all of the replies (a stateful firewall accepts them so), not the routed
/// traffic. A rule restricted further (`-p tcp`, a source address, `--ctstate INVALID`) decides nothing: such a
/// setup is judged by its other rules and its policy.
public enum ForwardPolicy {
    /// A forward-hook chain that drops the forwarded traffic of some interfaces: by its policy, or by a rule.
    public struct Drop: Equatable, Sendable {
        /// The chain, e.g. `nft inet filter forward` or `ip6tables-legacy filter FORWARD`.
        public var chain: String
        /// The interfaces whose forwarded traffic is dropped, in the order asked.
        public var interfaces: [String]
        /// The rule that drops it, as the tool prints it (`-A FORWARD -o br0 -j DROP`, `oifname "br0" drop`);
        /// `nil` when it is the chain's policy.
        public var rule: String?

        public init(chain: String, interfaces: [String], rule: String? = nil) {
            self.chain = chain
            self.interfaces = interfaces
            self.rule = rule
        }
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
    public static func nftablesDrops(json: [UInt8], interfaces: [String], uplink: String?) throws -> [Drop] {
        let document: NFTDocument
        do {
            document = try JSONDecoder().decode(NFTDocument.self, from: Data(json))
        } catch {
            throw Unreadable(description: "nft -j list ruleset printed no nftables JSON: \(error)")
        }
        let objects = document.nftables
        var drops: [Drop] = []
        for case let chain? in objects.map(\.chain) where ["ip6", "inet"].contains(chain.family) && chain.hook == "forward" {
            var rules: [String: [Rule]] = [:]
            for case let rule? in objects.map(\.rule) where rule.family == chain.family && rule.table == chain.table {
                rules[rule.chain, default: []].append(rule.evaluated)
            }
            let ruleset = Ruleset(rules: rules, base: chain.name, policyDrops: chain.policy == "drop")
            drops += ruleset.drops(
                of: interfaces, uplink: uplink, name: "nft \(chain.family) \(chain.table) \(chain.name)")
        }
        return drops
    }

    /// The `filter` table's `FORWARD` chain in `ip6tables-save` output, when it drops the traffic of some of
    /// `interfaces`.
    ///
    /// - Parameters:
    ///   - save: The tool's standard output (iptables-save(8) format); empty when the tables are not loaded.
    ///   - tool: The tool's name, for ``Drop/chain``.
    ///   - interfaces: The interfaces forwarding bindings route to.
    ///   - uplink: The interface the routed traffic comes in on; `nil` when unknown.
    public static func ip6tablesDrops(save: String, tool: String, interfaces: [String], uplink: String?) -> [Drop] {
        var table = ""
        var policy: String?
        var lines: [(chain: String, line: String)] = []
        var chains: Set<String> = []
        for raw in save.split(separator: "\n") {
            let line = String(raw.drop { $0 == " " || $0 == "\t" || $0 == "\r" })
            if line.hasPrefix("*") {
                table = String(line.dropFirst())
                continue
            }
            guard table == "filter" else { continue }
            let words = line.split(separator: " ").map(String.init)
            if let first = words.first, first.hasPrefix(":"), words.count >= 2 {
                chains.insert(String(first.dropFirst()))
                if first == ":FORWARD" { policy = words[1] }
            } else if words.count >= 2, words[0] == "-A" {
                lines.append((words[1], line))
            }
        }
        guard policy != nil else { return [] }
        var rules: [String: [Rule]] = [:]
        for (chain, line) in lines {
            rules[chain, default: []].append(Rule(ip6tables: line, chains: chains))
        }
        return Ruleset(rules: rules, base: "FORWARD", policyDrops: policy == "DROP")
            .drops(of: interfaces, uplink: uplink, name: "\(tool) filter FORWARD")
    }

    // MARK: - The walk

    /// Which way a match looks: at the interface a packet leaves through (`-o`, `oifname`) or came in on.
    enum Direction: Equatable {
        case output
        case input
    }

    /// A rule as the walk sees it.
    struct Rule {
        /// What the rule does with a packet it matches.
        enum Verdict: Equatable {
            case accept
            /// `drop` or `reject`.
            case drop
            /// Walk the chain, then go on here when it decided nothing.
            case jump(String)
            /// Walk the chain instead of the rest of this one.
            case goto(String)
            /// Leave this chain.
            case `return`
            /// No verdict (a counter, a log, a mark): the walk goes on.
            case none
        }

        /// An interface match: `-o br0`, `! -i eth0`, `oifname { "br0", "br1" }`.
        struct InterfaceMatch: Equatable {
            var direction: Direction
            /// Names; one ending in `+` (ip6tables) or `*` (nftables) matches every name it begins.
            var patterns: [String]
            var negated: Bool

            func matches(_ interface: String) -> Bool {
                patterns.contains { InterfaceMatch.name(interface, matches: $0) } != negated
            }

            /// Whether `pattern` names `interface`: equal, or a wildcard (`br+`, `"br*"`) that begins it.
            static func name(_ interface: String, matches pattern: String) -> Bool {
                if let last = pattern.last, last == "+" || last == "*" {
                    return interface.hasPrefix(pattern.dropLast())
                }
                return interface == pattern
            }
        }

        var interfaceMatches: [InterfaceMatch] = []
        /// Some other match (a protocol, an address, a conntrack state without `established`, something not
        /// understood).
        var restricted = false
        /// A conntrack state match with `established` (and not `new`): all of the replies, none of the new routed
        /// connections.
        var repliesOnly = false
        var verdict = Verdict.none
        /// An nftables verdict map on an interface (`oifname vmap { "br0" : accept }`): the verdict by name.
        var verdictMap: (direction: Direction, entries: [(pattern: String, verdict: Verdict)])?
        /// The rule as the tool prints it.
        var text: String

        /// The rule's verdict for every packet that came in on `input` and leaves through `output` (`replies`: the
        /// answers of connections made from outside, conntrack's `established`); `nil` when it does not match all
        /// of them.
        func decision(input: String, output: String, replies: Bool) -> Verdict? {
            guard !restricted, !repliesOnly || replies,
                interfaceMatches.allSatisfy({ $0.matches($0.direction == .output ? output : input) })
            else { return nil }
            guard let verdictMap else { return verdict }
            let name = verdictMap.direction == .output ? output : input
            return verdictMap.entries.first { InterfaceMatch.name(name, matches: $0.pattern) }?.verdict
        }

        /// A conntrack state list (`ESTABLISHED,RELATED`, `{ established, related }`) as the walk sees it.
        mutating func conntrackStates(_ states: [String]) {
            let states = Set(states.map { $0.lowercased() })
            if states.isSuperset(of: ["new", "established"]) { return }  // every packet of a connection
            if states.contains("established") { repliesOnly = true } else { restricted = true }
        }
    }

    /// The rules of a table's chains, by chain name, and the base chain walked first.
    struct Ruleset {
        var rules: [String: [Rule]]
        var base: String
        var policyDrops: Bool

        /// What a walk of one chain ends with.
        enum Outcome: Equatable {
            case accepted
            case dropped(rule: String?)
            /// Nothing decided: back to the calling chain, or to the policy.
            case undecided
        }

        /// The walk of `chain` for the packets from `input` to `output`; chains nested deeper than 16 decide
        /// nothing (a loop cannot hang it).
        func walk(_ chain: String, input: String, output: String, replies: Bool, depth: Int = 0) -> Outcome {
            guard depth < 16 else { return .undecided }
            for rule in rules[chain] ?? [] {
                switch rule.decision(input: input, output: output, replies: replies) {
                case .accept?: return .accepted
                case .drop?: return .dropped(rule: rule.text)
                case .jump(let target)?:
                    let outcome = walk(target, input: input, output: output, replies: replies, depth: depth + 1)
                    if outcome != .undecided { return outcome }
                case .goto(let target)?:
                    return walk(target, input: input, output: output, replies: replies, depth: depth + 1)
                case .return?: return .undecided
                case .none?, nil: continue
                }
            }
            return .undecided
        }

        /// Whether the packets from `input` to `output` (`replies`: the answers) are dropped, and by which rule
        /// (`nil`: the policy).
        func dropped(input: String, output: String, replies: Bool) -> (dropped: Bool, rule: String?) {
            switch walk(base, input: input, output: output, replies: replies) {
            case .accepted: (false, nil)
            case .dropped(let rule): (true, rule)
            case .undecided: (policyDrops, nil)
            }
        }

        /// One ``Drop`` for each rule (or the policy) that drops some interfaces' routed traffic or its answers, in
        /// the order asked.
        func drops(of interfaces: [String], uplink: String?, name: String) -> [Drop] {
            let uplink = uplink ?? ""
            var drops: [Drop] = []
            for interface in interfaces {
                let routed = dropped(input: uplink, output: interface, replies: false)
                let answers = dropped(input: interface, output: uplink, replies: true)
                guard routed.dropped || answers.dropped else { continue }
                let rule = routed.dropped ? routed.rule : answers.rule
                if let index = drops.firstIndex(where: { $0.rule == rule }) {
                    drops[index].interfaces.append(interface)
                } else {
                    drops.append(Drop(chain: name, interfaces: [interface], rule: rule))
                }
            }
            return drops
        }
    }
}

extension ForwardPolicy.Rule {
    /// An `-A CHAIN ...` line of `ip6tables-save`: `-i`/`-o` (with `!`) are interface matches, `-m comment` is
    /// nothing, `-j ACCEPT`/`DROP`/`REJECT`/`RETURN` the verdict, `-j`/`-g` to one of `chains` a jump or goto (other
    /// targets, such as `LOG`, go on); anything else restricts it.
    init(ip6tables line: String, chains: Set<String>) {
        text = line
        let words = Self.words(line).dropFirst(2)
        var index = words.startIndex
        var negated = false
        while index < words.endIndex {
            let word = words[index]
            let value = words.index(after: index) < words.endIndex ? words[words.index(after: index)] : nil
            switch word {
            case "!":
                negated = true
                index += 1
                continue
            case "-o", "--out-interface", "-i", "--in-interface":
                guard let value else { restricted = true; return }
                let direction: ForwardPolicy.Direction = word.hasPrefix("-o") || word == "--out-interface" ? .output : .input
                interfaceMatches.append(.init(direction: direction, patterns: [value], negated: negated))
                index += 2
            case "-m" where value == "comment":
                index += 2
                if index < words.endIndex, words[index] == "--comment" { index += 2 }
            case "-m" where value == "conntrack" || value == "state":
                index += 2
                let option = value == "state" ? "--state" : "--ctstate"
                if index + 1 < words.endIndex, words[index] == option, !negated {
                    conntrackStates(words[index + 1].split(separator: ",").map(String.init))
                    index += 2
                } else {
                    restricted = true
                }
            case "-j", "--jump", "-g", "--goto":
                let goto = word == "-g" || word == "--goto"
                switch value {
                case "ACCEPT": verdict = .accept
                case "DROP", "REJECT": verdict = .drop
                case "RETURN": verdict = .return
                case let chain? where chains.contains(chain): verdict = goto ? .goto(chain) : .jump(chain)
                default: verdict = .none
                }
                return  // what follows are the target's options
            default:
                restricted = true
                index += 1
            }
            negated = false
        }
    }

    /// The line's words; a double-quoted word (a comment) keeps its spaces.
    private static func words(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" && quoted {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if character == " " && !quoted {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}

// MARK: - nftables JSON (libnftables-json(5)): only what is read here

extension ForwardPolicy {
    fileprivate struct NFTDocument: Decodable {
        var nftables: [NFTObject]
    }

    fileprivate struct NFTObject: Decodable {
        var chain: NFTChain?
        var rule: NFTRule?
    }

    fileprivate struct NFTChain: Decodable {
        var family: String
        var table: String
        var name: String
        var hook: String?
        var policy: String?
    }

    fileprivate struct NFTRule: Decodable {
        var family: String
        var table: String
        var chain: String
        var expr: [NFTValue]?

        /// The rule as the walk sees it: `meta oifname`/`iifname` matches (`==`, `!=`, a string or a set) are
        /// interface matches, `counter` and `log` nothing, `accept`, `drop`, `reject`, `jump`, `goto`, `return` the
        /// verdict; anything else restricts it. Its text is the nft syntax of what was understood.
        var evaluated: Rule {
            var rule = Rule(text: "")
            var words: [String] = []
            for statement in expr ?? [] {
                if let match = statement["match"] {
                    let key = match["left"]?["meta"]?["key"]?.string
                    let op = match["op"]?.string ?? "=="
                    let names = match["right"]?.strings
                    if let key, let direction = Self.direction(of: key), op == "==" || op == "!=", let names {
                        rule.interfaceMatches.append(.init(direction: direction, patterns: names, negated: op == "!="))
                        let quoted = names.map { "\"\($0)\"" }
                        words.append(
                            key + (op == "!=" ? " != " : " ") + (quoted.count == 1 ? quoted[0] : "{ \(quoted.joined(separator: ", ")) }"))
                    } else if match["left"]?["ct"]?["key"]?.string == "state", op == "in" || op == "==",
                        let states = match["right"]?.strings
                    {
                        rule.conntrackStates(states)
                        words.append("ct state { \(states.joined(separator: ", ")) }")
                    } else {
                        rule.restricted = true
                        words.append("…")
                    }
                } else if let map = statement["vmap"], let key = map["key"]?["meta"]?["key"]?.string,
                    let direction = Self.direction(of: key), case .array(let elements)? = map["data"]?["set"]
                {
                    var entries: [(pattern: String, verdict: Rule.Verdict)] = []
                    for case .array(let pair) in elements where pair.count == 2 {
                        guard let name = pair[0].string else { continue }
                        entries.append((name, Self.verdict(pair[1])))
                    }
                    rule.verdictMap = (direction, entries)
                    words.append("\(key) vmap { \(entries.map { "\"\($0.pattern)\" : \($0.verdict)" }.joined(separator: ", ")) }")
                } else if statement["accept"] != nil {
                    rule.verdict = .accept
                    words.append("accept")
                } else if statement["drop"] != nil || statement["reject"] != nil {
                    rule.verdict = .drop
                    words.append(statement["drop"] != nil ? "drop" : "reject")
                } else if let target = statement["jump"]?["target"]?.string {
                    rule.verdict = .jump(target)
                    words.append("jump \(target)")
                } else if let target = statement["goto"]?["target"]?.string {
                    rule.verdict = .goto(target)
                    words.append("goto \(target)")
                } else if statement["return"] != nil {
                    rule.verdict = .return
                    words.append("return")
                } else if statement["counter"] == nil && statement["log"] == nil {
                    rule.restricted = true
                    words.append("…")
                }
            }
            rule.text = words.joined(separator: " ")
            return rule
        }

        /// `oifname`/`oif` look at the output interface, `iifname`/`iif` at the input one (the JSON names the
        /// interface either way).
        static func direction(of key: String) -> Direction? {
            switch key {
            case "oifname", "oif": .output
            case "iifname", "iif": .input
            default: nil
            }
        }

        /// A verdict as a map's value: `{"accept": null}`, `{"jump": {"target": "x"}}`, ...
        static func verdict(_ value: NFTValue) -> Rule.Verdict {
            if value["accept"] != nil { return .accept }
            if value["drop"] != nil || value["reject"] != nil { return .drop }
            if let target = value["jump"]?["target"]?.string { return .jump(target) }
            if let target = value["goto"]?["target"]?.string { return .goto(target) }
            if value["return"] != nil { return .return }
            return .none
        }
    }

    /// Any JSON value; nftables expressions nest freely.
    fileprivate indirect enum NFTValue: Decodable {
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

        /// A string, or the strings of an array or of a set (`{"set": [...]}`).
        var strings: [String]? {
            if let string { return [string] }
            if let set = self["set"] { return set.strings }
            guard case .array(let values) = self else { return nil }
            let strings = values.compactMap(\.string)
            return strings.count == values.count ? strings : nil
        }
    }
}
