/// A table while its document is parsed: shared by reference so that headers and dotted keys can reach it again,
/// and marked with how it was defined, which decides what may still add to it (TOML 1.0, "Table" and "Keys").
final class TableNode {
    /// How the table came to exist.
    enum Origin: Equatable {
        /// Made as a parent by a header (`a` in `[a.b]`): a later `[a]` may still define it, once.
        case implicit
        /// Defined by a `[header]`, or an element of an array of tables: no other header may define it again.
        case header
        /// Made by a dotted key (`a.b = 1` makes `a`) in the given section: dotted keys of that section may add to
        /// it, nothing else may define it.
        case dotted(section: Int)
    }

    /// What a key holds.
    enum Slot {
        /// A finished value: a scalar, an array written with `[ ]`, or an inline table. None can be extended.
        case value(TOMLValue)
        /// A table that headers or dotted keys may still reach.
        case table(TableNode)
        /// An array of tables made by `[[name]]` headers; the next `[[name]]` appends.
        case arrayOfTables(ArrayOfTablesNode)
    }

    struct Entry {
        var slot: Slot
        var position: TOMLPosition
    }

    var origin: Origin
    var position: TOMLPosition
    /// How many tables and arrays enclose this one in the finished document (the document is 0).
    let depth: Int
    private(set) var entries: [String: Entry] = [:]
    private var order: [String] = []

    init(origin: Origin, position: TOMLPosition, depth: Int) {
        self.origin = origin
        self.position = position
        self.depth = depth
    }

    /// Adds `key`; callers have checked that it is new.
    func insert(_ slot: Slot, for key: String, at position: TOMLPosition) {
        if entries.updateValue(Entry(slot: slot, position: position), forKey: key) == nil {
            order.append(key)
        }
    }

    /// The finished table. Recursion is bounded by the parser's depth limit.
    func frozen() -> TOMLTable {
        var table = TOMLTable(position: position)
        for key in order {
            guard let entry = entries[key] else { continue }
            let value: TOMLValue
            switch entry.slot {
            case .value(let finished): value = finished
            case .table(let node): value = .table(node.frozen())
            case .arrayOfTables(let array): value = .array(array.tables.map { .table($0.frozen()) })
            }
            table.set(TOMLTable.Entry(key: key, value: value, position: entry.position))
        }
        return table
    }
}

/// An array of tables while its document is parsed.
final class ArrayOfTablesNode {
    var tables: [TableNode]

    init(first: TableNode) {
        tables = [first]
    }
}
