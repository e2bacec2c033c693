import Foundation
import TOMLParsing
import Testing

/// The TOML project's conformance suite (toml-lang/toml-test), read from `$TOML_TEST_DIR` or from
/// `../shared/toml-test` beside the package: the files its `tests/files-toml-1.0.0` lists.
///
/// Every invalid file must be refused with a ``TOMLError`` (a crash ends the test run); every valid file must
/// parse to the values in its `.json` twin, or be refused with ``TOMLError/Code/unsupported``. Nothing in the
/// suite is refused that way today, and no file is excepted.
enum ConformanceSuite {
    struct Case: Sendable, CustomTestStringConvertible {
        /// `valid/string/escapes.toml`
        var name: String
        var testDescription: String { name }
    }

    static let directory: String? = {
        if let configured = ProcessInfo.processInfo.environment["TOML_TEST_DIR"], !configured.isEmpty {
            return configured
        }
        var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        let beside = components.joined(separator: "/") + "/../shared/toml-test"
        return FileManager.default.fileExists(atPath: beside + "/tests/files-toml-1.0.0") ? beside : nil
    }()

    static let missing = """
        toml-test not found: set TOML_TEST_DIR to a copy of toml-lang/toml-test, or put one at ../shared/toml-test \
        beside the package
        """

    /// The TOML 1.0.0 file list, or nothing when the suite is absent.
    static let files: [String] = {
        guard let directory,
            let list = try? String(contentsOfFile: directory + "/tests/files-toml-1.0.0", encoding: .utf8)
        else { return [] }
        return list.split(separator: "\n").map(String.init).filter { $0.hasSuffix(".toml") }
    }()

    static let valid = files.filter { $0.hasPrefix("valid/") }.map(Case.init)
    static let invalid = files.filter { $0.hasPrefix("invalid/") }.map(Case.init)

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: (directory ?? "") + "/tests/" + name)))
    }

    static func expected(_ name: String) throws -> Any {
        let json = try Data(
            contentsOf: URL(fileURLWithPath: (directory ?? "") + "/tests/" + name.dropLast(5) + ".json")
        )
        return try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
    }

    enum Outcome: Equatable {
        case parsed
        case unsupported
        case failed(String)
    }

    static func checkValid(_ name: String) throws -> Outcome {
        let table: TOMLTable
        do {
            table = try TOMLTable(parsing: try bytes(name))
        } catch let error as TOMLError where error.code == .unsupported {
            return .unsupported
        } catch {
            return .failed("refused a valid file: \(error)")
        }
        if let mismatch = difference(.table(table), try expected(name), at: "$") {
            return .failed(mismatch)
        }
        return .parsed
    }

    /// Where `value` differs from toml-test's tagged JSON `expected`, or `nil` if it does not.
    static func difference(_ value: TOMLValue, _ expected: Any, at path: String) -> String? {
        if let tagged = expected as? [String: Any], tagged.count == 2, let type = tagged["type"] as? String,
            let text = tagged["value"] as? String
        {
            return scalarDifference(value, type: type, text: text) ? "\(path): \(value) is not \(type) \(text)" : nil
        }
        if let expectedElements = expected as? [Any] {
            guard case .array(let elements) = value, elements.count == expectedElements.count else {
                return "\(path): \(value) is not an array of \(expectedElements.count)"
            }
            for (number, (element, expectedElement)) in zip(elements, expectedElements).enumerated() {
                if let difference = difference(element, expectedElement, at: "\(path)[\(number)]") { return difference }
            }
            return nil
        }
        if let expectedTable = expected as? [String: Any] {
            guard case .table(let table) = value, Set(table.keys) == Set(expectedTable.keys) else {
                return "\(path): \(value) does not have the keys \(expectedTable.keys.sorted())"
            }
            for entry in table.entries {
                if let difference = difference(entry.value, expectedTable[entry.key] as Any, at: "\(path).\(entry.key)")
                {
                    return difference
                }
            }
            return nil
        }
        return "\(path): cannot read the expected \(expected)"
    }

    /// `true` when the scalar `value` is not the tagged value `type`/`text`.
    private static func scalarDifference(_ value: TOMLValue, type: String, text: String) -> Bool {
        switch (type, value) {
        case ("string", .string(let string)):
            return string != text
        case ("integer", .integer(let integer)):
            return Int64(text) != integer
        case ("float", .float(let float)):
            if text == "nan" || text == "+nan" || text == "-nan" { return !float.isNaN }
            let number: Double? =
                switch text {
                case "inf", "+inf": .infinity
                case "-inf": -.infinity
                default: Double(text)
                }
            guard let number else { return true }
            return number != float || number.sign != float.sign
        case ("bool", .boolean(let boolean)):
            return "\(boolean)" != text
        case ("datetime", .dateTime(let dateTime)):
            return dateTime.date == nil || dateTime.time == nil || dateTime.utcOffsetMinutes == nil
                || TOMLDateTime(text) != dateTime
        case ("datetime-local", .dateTime(let dateTime)):
            return dateTime.date == nil || dateTime.time == nil || dateTime.utcOffsetMinutes != nil
                || TOMLDateTime(text) != dateTime
        case ("date-local", .dateTime(let dateTime)):
            return dateTime.time != nil || TOMLDateTime(text) != dateTime
        case ("time-local", .dateTime(let dateTime)):
            return dateTime.date != nil || TOMLDateTime(text) != dateTime
        default:
            return true
        }
    }
}

@Suite(
    .enabled(
        if: ConformanceSuite.directory != nil || ProcessInfo.processInfo.environment["CI"] != nil,
        "\(ConformanceSuite.missing)"
    )
)
struct ConformanceTests {
    @Test func suiteIsPresent() {
        // Only reached without the suite when CI is set: CI must prove conformance, not skip it.
        #expect(ConformanceSuite.directory != nil, "\(ConformanceSuite.missing)")
        #expect(
            ConformanceSuite.files.count > 600,
            "the TOML 1.0.0 list of \(ConformanceSuite.directory ?? "") is short"
        )
    }

    @Test(arguments: ConformanceSuite.valid)
    func validFileGivesItsValues(_ file: ConformanceSuite.Case) throws {
        let outcome = try ConformanceSuite.checkValid(file.name)
        if case .failed(let reason) = outcome { Issue.record("\(file.name): \(reason)") }
    }

    @Test(arguments: ConformanceSuite.invalid)
    func invalidFileIsRefused(_ file: ConformanceSuite.Case) throws {
        #expect(throws: TOMLError.self, "\(file.name) was accepted") {
            try TOMLTable(parsing: try ConformanceSuite.bytes(file.name))
        }
    }

    /// Counts the whole suite in one place and prints the totals.
    @Test func printsTheCounts() throws {
        var parsed = 0
        var unsupported = 0
        var failed = 0
        for file in ConformanceSuite.valid {
            switch try ConformanceSuite.checkValid(file.name) {
            case .parsed: parsed += 1
            case .unsupported: unsupported += 1
            case .failed: failed += 1
            }
        }
        var rejected = 0
        for file in ConformanceSuite.invalid
        where (try? TOMLTable(parsing: try ConformanceSuite.bytes(file.name))) == nil {
            rejected += 1
        }
        print(
            """
            toml-test (TOML 1.0.0) at \(ConformanceSuite.directory ?? "?"): \
            \(ConformanceSuite.valid.count) valid: \(parsed) parsed with the expected values, \
            \(unsupported) refused as unsupported, \(failed) wrong; \
            \(ConformanceSuite.invalid.count) invalid: \(rejected) rejected
            """
        )
        #expect(failed == 0)
        #expect(rejected == ConformanceSuite.invalid.count)
    }
}
