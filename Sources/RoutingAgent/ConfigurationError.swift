/// A config file or environment value that cannot be used, named by its key and, where it came from a file, its line.
///
/// `description` is one line fit for a terminal and the journal, e.g.
/// `/etc/hostup-routed/config.toml:7: poll_interval: "30" is not a duration (use e.g. "500ms", "30s", "5m")`.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key as written in the file (`poll_interval`, `bindings[1].mode`) or the environment variable's name.
    public var key: String
    /// The file the value came from, or `nil` for the environment or a built-in check.
    public var file: String?
    /// The 1-based line of the key in `file`, when known.
    public var line: Int?
    /// What is wrong with the value.
    public var message: String

    public init(key: String, file: String? = nil, line: Int? = nil, message: String) {
        self.key = key
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        var location = ""
        if let file {
            location = line.map { "\(file):\($0): " } ?? "\(file): "
        }
        return "\(location)\(key): \(message)"
    }
}
