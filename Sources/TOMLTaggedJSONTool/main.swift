import TOMLParsing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// toml-tagged-json: parses TOML with TOMLParsing and prints it as toml-test's tagged JSON, for the conformance
// and differential-fuzz scripts. Never linked into the agent.
//
//   TOMLTaggedJSONTool [FILE]   one document from FILE (or stdin): the tagged JSON on stdout and exit 0, or the
//                               error on stderr and exit 1 (toml-test's decoder interface)
//   TOMLTaggedJSONTool --batch  many documents on stdin, each as a 4-byte little-endian length and the bytes; one
//                               line of JSON each on stdout, written as soon as it is known:
//                               {"ok": TAGGED} or {"error": {"code": …, "line": …, "column": …, "message": …}}

/// read(2) until the end of the file.
func readAll(_ fd: Int32) -> [UInt8]? {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if count == 0 { return bytes }
        bytes.append(contentsOf: chunk[0..<count])
    }
}

/// write(2) all of `text`.
func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        offset += written
    }
    bytes.removeAll()
}

func errorJSON(_ error: any Error) -> String {
    guard let error = error as? TOMLError else { return "{\"code\":\"other\",\"message\":\"\(error)\"}" }
    var message = ""
    TaggedJSON.appendString(error.message, to: &message)
    return
        "{\"code\":\"\(error.code)\",\"line\":\(error.position.line),\"column\":\(error.position.column),\"message\":\(message)}"
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--batch" {
    guard let input = readAll(0) else {
        writeAll(2, "TOMLTaggedJSONTool: cannot read stdin\n")
        exit(2)
    }
    var offset = 0
    while offset + 4 <= input.count {
        let length =
            Int(input[offset]) | Int(input[offset + 1]) << 8 | Int(input[offset + 2]) << 16
            | Int(input[offset + 3]) << 24
        offset += 4
        guard length <= input.count - offset else {
            writeAll(2, "TOMLTaggedJSONTool: truncated batch\n")
            exit(2)
        }
        let document = input[offset..<offset + length]
        offset += length
        do {
            writeAll(1, "{\"ok\":" + TaggedJSON.render(try TOMLTable(parsing: document)) + "}\n")
        } catch {
            writeAll(1, "{\"error\":" + errorJSON(error) + "}\n")
        }
    }
    exit(0)
}

let input: [UInt8]?
if let path = arguments.first {
    let fd = open(path, O_RDONLY)
    input = fd < 0 ? nil : readAll(fd)
} else {
    input = readAll(0)
}
guard let input else {
    writeAll(2, "TOMLTaggedJSONTool: cannot read \(arguments.first ?? "stdin")\n")
    exit(2)
}
do {
    writeAll(1, TaggedJSON.render(try TOMLTable(parsing: input)) + "\n")
} catch {
    writeAll(2, "\(error)\n")
    exit(1)
}
