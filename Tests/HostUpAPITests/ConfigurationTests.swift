@testable import HostUpAPI
import Testing

@Suite struct ConfigurationTests {
    @Test(arguments: [
        "http://cloud.hostup.se",
        "http://10.0.0.1:8080",
        "http://[2001:db8::1]:8080",
        "http://127.example.com",
        "ftp://cloud.hostup.se",
        "cloud.hostup.se",
        "https://user:secret@cloud.hostup.se",
    ])
    func refusesInsecureOrMalformedURLs(url: String) {
        #expect(throws: HostUpAPIError(code: .insecureURL, message: "")) {
            try HostUpClient.Configuration(baseURL: url, token: "t", version: "1.0")
        }
    }

    @Test(arguments: [
        ("https://cloud.hostup.se", "https://cloud.hostup.se/api/v2/routed-ipv6"),
        ("https://cloud.hostup.se/", "https://cloud.hostup.se/api/v2/routed-ipv6"),
        ("HTTP://127.0.0.1:8080", "http://127.0.0.1:8080/api/v2/routed-ipv6"),
        ("http://127.1.2.3", "http://127.1.2.3/api/v2/routed-ipv6"),
        ("http://localhost:9000/prefix/", "http://localhost:9000/prefix/api/v2/routed-ipv6"),
        ("http://[::1]:9000", "http://[::1]:9000/api/v2/routed-ipv6"),
    ])
    func acceptsHTTPSAndLoopbackHTTP(url: String, endpoint: String) throws {
        let configuration = try HostUpClient.Configuration(baseURL: url, token: "t", version: "1.0")
        #expect(configuration.url(path: Endpoint.routedIPv6) == endpoint)
    }

    @Test func defaultsAndUserAgent() throws {
        let configuration = try HostUpClient.Configuration(baseURL: "https://cloud.hostup.se", token: "t", version: "1.2.3")
        #expect(configuration.userAgent == "hostup-routed/1.2.3")
        #expect(configuration.connectTimeout == .seconds(5))
        #expect(configuration.requestTimeout == .seconds(30))
        #expect(configuration.maximumResponseBytes == 4 * 1024 * 1024)
    }

    @Test func configurationNeverPrintsTheToken() throws {
        let token = "hu_live_CONFIGSECRET123"
        let configuration = try HostUpClient.Configuration(baseURL: "https://cloud.hostup.se", token: token, version: "1")
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in [String(describing: configuration), String(reflecting: configuration), dumped] {
            #expect(!text.contains(token))
            #expect(text.contains("<redacted>"))
        }
    }

    @Test(arguments: [
        ("ripv6rt_01hxa3b4c5d6e7f8g9h0j1k2m4", "ripv6rt_01hxa3b4c5d6e7f8g9h0j1k2m4"),
        ("a/b", "a%2Fb"),
        ("..", "%2E%2E"),
        ("route id?#", "route%20id%3F%23"),
        ("ö", "%C3%B6"),
    ])
    func percentEncodesPathSegments(id: String, encoded: String) {
        #expect(Endpoint.percentEncoded(id) == encoded)
        #expect(Endpoint.route(id: id) == "/api/v2/routed-ipv6/routes/\(encoded)")
    }

    @Test(arguments: [("7", 7), (" 120 ", 120), ("0", 0)])
    func parsesRetryAfterSeconds(header: String, seconds: Int64) {
        #expect(HostUpAPIError.retryAfter(header) == .seconds(seconds))
    }

    @Test(arguments: ["Wed, 21 Oct 2026 07:28:00 GMT", "-1", ""])
    func ignoresRetryAfterThatIsNotDelaySeconds(header: String) {
        #expect(HostUpAPIError.retryAfter(header) == nil)
    }
}
