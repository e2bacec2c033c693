/// Keys, headers and key/value pairs, and the TOML 1.0 rules on which tables each may define or extend.
///
/// NOTE: the rules follow TOML 1.0 "Table", "Array of Tables" and "Keys", and agree with Python's `tomllib`
/// where the specification leaves room (a dotted key may pass through a table a header made only as a parent):
/// - `[a.b]` may pass through any table and through the last element of an array of tables, never through a
///   value (an inline table or an array written with `[ ]` is a value).
/// - `[a]` may define a table a header made as a parent, once; not one a header or a dotted key defined.
/// - `[[a]]` appends to an array of tables; it may not turn a table or a value into one.
/// - `a.b = 1` may pass through tables that dotted keys of the same section made, and through tables a header made
///   only as a parent (which then count as made by this section's dotted keys); not through a table a header
///   defined, an array of tables, or a value.
extension Parser {
    /// One part of a dotted key, and where it is written.
    struct KeyPart {
        var name: String
        var start: Int
        var position: TOMLPosition
    }

    // MARK: - Keys

    /// `key`, `"quoted key"`, `'literal key'`, or any of them joined by dots, with whitespace around the dots.
    mutating func parseKey() throws(TOMLError) -> [KeyPart] {
        var parts = [try parseKeyPart()]
        skipWhitespace()
        while current == ASCII.dot {
            index = index &+ 1
            skipWhitespace()
            // Each part but the last is a table one level deeper; the table checks refuse what is too deep, this
            // only stops reading a key that is certain to be refused.
            guard parts.count <= maximumDepth else {
                throw error(.unsupported, "a key of more than \(maximumDepth + 1) parts is not supported")
            }
            parts.append(try parseKeyPart())
            skipWhitespace()
        }
        return parts
    }

    private mutating func parseKeyPart() throws(TOMLError) -> KeyPart {
        let start = index
        let position = self.position
        guard let first = current else {
            throw error(.syntax, "expected a key, found the end of the document")
        }
        if first == ASCII.quote || first == ASCII.apostrophe {
            if peek(1) == first && peek(2) == first {
                throw error(.syntax, "a multi-line string cannot be a key")
            }
            let name = first == ASCII.quote ? try parseBasicString() : try parseLiteralString()
            return KeyPart(name: name, start: start, position: position)
        }
        guard ASCII.isBareKey(first) else {
            throw error(
                .syntax,
                "expected a key (letters, digits, '_', '-', or a quoted string), found \(describe(at: index))"
            )
        }
        while let byte = current, ASCII.isBareKey(byte) {
            index = index &+ 1
        }
        return KeyPart(name: String(decoding: bytes[start..<index], as: UTF8.self), start: start, position: position)
    }

    /// `a.b."c d"` for messages: bare where TOML allows it, else quoted with `"`, `\` and control characters escaped.
    func render(_ key: some Collection<KeyPart>) -> String {
        key.map { part in
            guard part.name.isEmpty || !part.name.utf8.allSatisfy(ASCII.isBareKey) else { return part.name }
            var quoted = "\""
            for scalar in part.name.unicodeScalars {
                switch scalar {
                case "\"", "\\": quoted += "\\" + String(scalar)
                case _ where scalar.value < 0x20 || scalar.value == 0x7F: quoted += scalar.escaped(asASCII: true)
                default: quoted.unicodeScalars.append(scalar)
                }
            }
            return quoted + "\""
        }.joined(separator: ".")
    }

    /// What a finished value is, for messages: tables held as values are inline tables.
    func describeFinished(_ value: TOMLValue) -> String {
        if case .table = value { return "an inline table" }
        return value.kindDescription
    }

    // MARK: - Headers

    /// `[a.b]` or `[[a.b]]`: makes or finds the table and opens its section.
    mutating func parseHeader() throws(TOMLError) {
        let start = index
        let headerPosition = position
        index = index &+ 1
        let isArray = current == ASCII.leftBracket
        if isArray { index = index &+ 1 }
        skipWhitespace()
        if isArray && current == ASCII.leftBracket {
            throw error(.syntax, "a header has one or two brackets: [table] or [[array of tables]]")
        }
        let key = try parseKey()
        guard current == ASCII.rightBracket else {
            throw error(
                .syntax,
                "expected '\(isArray ? "]]" : "]")' to close the \(isArray ? "[[array of tables]]" : "[table]") header, found \(describe(at: index))"
            )
        }
        index = index &+ 1
        if isArray {
            guard current == ASCII.rightBracket else {
                throw error(
                    .syntax,
                    "expected ']]' to close the [[array of tables]] header, found \(describe(at: index))"
                )
            }
            index = index &+ 1
        }
        section = try defineHeaderTable(key, isArray: isArray, at: headerPosition, start: start)
        sectionNumber = newSectionNumber()
    }

    private mutating func defineHeaderTable(
        _ key: [KeyPart],
        isArray: Bool,
        at headerPosition: TOMLPosition,
        start: Int
    ) throws(TOMLError) -> TableNode {
        var table = document
        for (number, part) in key.enumerated() {
            let isLast = number == key.count - 1
            var path: String { render(key.prefix(number + 1)) }
            guard let entry = table.entries[part.name] else {
                if isLast && isArray {
                    let element = try newTable(.header, in: table, levels: 2, at: headerPosition, start: start)
                    table.insert(.arrayOfTables(ArrayOfTablesNode(first: element)), for: part.name, at: part.position)
                    return element
                }
                let child = try newTable(
                    isLast ? .header : .implicit,
                    in: table,
                    levels: 1,
                    at: headerPosition,
                    start: start
                )
                table.insert(.table(child), for: part.name, at: part.position)
                table = child
                continue
            }
            switch entry.slot {
            case .value(let value):
                throw error(
                    .redefinition,
                    "\(path) is already \(describeFinished(value)) (line \(entry.position.line)); a header cannot make it a table",
                    at: part.start
                )
            case .table(let child):
                if isLast {
                    if isArray {
                        throw error(
                            .redefinition,
                            "\(path) is already a table (line \(entry.position.line)); [[\(path)]] cannot make it an array of tables",
                            at: part.start
                        )
                    }
                    switch child.origin {
                    case .implicit:
                        child.origin = .header
                        child.position = headerPosition
                    case .header:
                        throw error(
                            .redefinition,
                            "table [\(path)] is already defined at line \(child.position.line)",
                            at: part.start
                        )
                    case .dotted:
                        throw error(
                            .redefinition,
                            "table \(path) is already defined by dotted keys at line \(child.position.line); a header cannot define it again",
                            at: part.start
                        )
                    }
                }
                table = child
            case .arrayOfTables(let array):
                if isLast {
                    guard isArray else {
                        throw error(
                            .redefinition,
                            "\(path) is already an array of tables (line \(entry.position.line)); use [[\(path)]] to add an element",
                            at: part.start
                        )
                    }
                    let element = try newTable(.header, in: table, levels: 2, at: headerPosition, start: start)
                    array.tables.append(element)
                    return element
                }
                guard let last = array.tables.last else {
                    throw error(.redefinition, "\(path) is an empty array of tables", at: part.start)
                }
                table = last
            }
        }
        return table
    }

    /// A new table `levels` below `parent` (2 for an element of an array of tables), within the depth limit.
    private mutating func newTable(
        _ origin: TableNode.Origin,
        in parent: TableNode,
        levels: Int,
        at position: TOMLPosition,
        start: Int
    ) throws(TOMLError) -> TableNode {
        let depth = parent.depth &+ levels
        guard depth <= maximumDepth else {
            throw error(
                .unsupported,
                "tables nested more than \(maximumDepth) levels deep are not supported",
                at: start
            )
        }
        return TableNode(origin: origin, position: position, depth: depth)
    }

    // MARK: - Key/value pairs

    /// `key = value` into `table`, whose dotted keys belong to section `sectionNumber`.
    mutating func parseKeyValue(in table: TableNode, sectionNumber: Int) throws(TOMLError) {
        let key = try parseKey()
        guard current == ASCII.equals else {
            throw error(.syntax, "expected '=' after the key \(render(key)), found \(describe(at: index))")
        }
        index = index &+ 1
        skipWhitespace()
        // Check the key before reading the value, so that a duplicate is reported as such.
        var target = table
        for number in key.indices.dropLast() {
            target = try dottedTable(key, upTo: number, in: target, sectionNumber: sectionNumber)
        }
        guard let last = key.last else { throw error(.syntax, "expected a key") }
        if let existing = target.entries[last.name] {
            throw error(
                .redefinition,
                "\(render(key)) is already defined at line \(existing.position.line)",
                at: last.start
            )
        }
        let value = try parseValue(depth: target.depth &+ 1)
        target.insert(.value(value), for: last.name, at: last.position)
    }

    /// The table part `number` of a dotted key names inside `table`, made if absent.
    private mutating func dottedTable(
        _ key: [KeyPart],
        upTo number: Int,
        in table: TableNode,
        sectionNumber: Int
    ) throws(TOMLError) -> TableNode {
        let part = key[number]
        var path: String { render(key.prefix(number + 1)) }
        guard let entry = table.entries[part.name] else {
            let child = try newTable(
                .dotted(section: sectionNumber),
                in: table,
                levels: 1,
                at: part.position,
                start: part.start
            )
            table.insert(.table(child), for: part.name, at: part.position)
            return child
        }
        switch entry.slot {
        case .value(let value):
            throw error(
                .redefinition,
                "\(path) is already \(describeFinished(value)) (line \(entry.position.line)); a dotted key cannot add to it",
                at: part.start
            )
        case .arrayOfTables:
            throw error(
                .redefinition,
                "\(path) is an array of tables (line \(entry.position.line)); a dotted key cannot add to it",
                at: part.start
            )
        case .table(let child):
            switch child.origin {
            case .implicit:
                child.origin = .dotted(section: sectionNumber)
                child.position = part.position
            case .dotted(let section) where section == sectionNumber:
                break
            case .dotted, .header:
                throw error(
                    .redefinition,
                    "table \(path) is already defined at line \(child.position.line); a dotted key cannot add to it here",
                    at: part.start
                )
            }
            return child
        }
    }
}
