/// Checks of the `api_url` setting: HTTPS, or plain HTTP to a loopback host only.
enum APIEndpoint {
    /// Accepts `https://HOST[:PORT][/PATH]`, or `http://` when HOST is loopback (`localhost`, 127.0.0.0/8, `[::1]`).
    ///
    /// - Returns: `.success` or `.failure` with the reason, fit for a config error.
    static func check(_ url: String) -> Result<Void, Reason> {
        let scheme: String
        let rest: Substring
        if url.hasPrefix("https://") {
            scheme = "https"
            rest = url.dropFirst("https://".count)
        } else if url.hasPrefix("http://") {
            scheme = "http"
            rest = url.dropFirst("http://".count)
        } else {
            return .failure(Reason("\"\(url)\" is not an http(s) URL"))
        }
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        guard !authority.isEmpty, !authority.contains("@") else {
            return .failure(Reason("\"\(url)\" has no host (or carries credentials; put the token in token_file)"))
        }
        let host: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return .failure(Reason("\"\(url)\" has an unclosed [")) }
            host = authority[authority.index(after: authority.startIndex)..<close]
        } else {
            host = authority.prefix(while: { $0 != ":" })
        }
        if scheme == "http" && !isLoopback(host) {
            return .failure(Reason("\"\(url)\" uses http:// for a host that is not loopback; use https://"))
        }
        return .success(())
    }

    static func isLoopback(_ host: Substring) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    struct Reason: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
