import AsyncHTTPClient
import FoundationEssentials
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

    @Test func aRejectedHeaderIsNeverQuoted() {
        let error = HTTPClientError.invalidHeaderFieldValues(["Bearer secret-token\u{1B}"])
        #expect("\(error)".contains("secret-token"), "the library quotes the header; this test guards against that")
        let summary = TransportFailure(error).summary
        #expect(!summary.contains("secret-token"))
        #expect(summary.contains("not shown"))
    }

    /// NIOSSL's errors as they describe themselves (NIOSSL is not imported here): a readable sentence, without
    /// Swift type names, BoringSSL's numbers or build paths.
    struct DescribedError: Error, CustomStringConvertible {
        var description: String
    }

    @Test(arguments: [
        (
            "handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268436502 error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /work/.build/checkouts/swift-nio-ssl/Sources/CNIOBoringSSL/ssl/handshake.cc:393]))",
            "TLS failed: the server's certificate was not accepted (expired or not yet valid: check the clock; or not signed by a CA in the system's store: apt-get install ca-certificates)"
        ),
        (
            "handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435728 error:10000410:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE at /x/tls_record.cc:592]))",
            "TLS failed: the server refused the handshake (no TLS version or cipher in common)"
        ),
        (
            "handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 1 error:1:SSL routines:OPENSSL_internal:BAD_ECC_CERT at /x/y.cc:1]))",
            "TLS failed: the handshake failed (bad ecc cert)"
        ),
        ("NIOSSLExtraError.failedToValidateHostname: Couldn't find api.example in certificate from peer", "TLS failed: the server's certificate is not for this host name"),
        ("uncleanShutdown", "TLS failed: the server closed the TLS connection without a close_notify"),
    ])
    func tlsErrorsReadAsSentences(dump: String, summary: String) {
        #expect(TransportFailure(DescribedError(description: dump)).summary == summary)
    }

    /// 2026-10-21T07:28:00Z.
    static let now = Date(timeIntervalSince1970: 1_792_567_680)

    @Test(arguments: [
        ("7", 7), (" 120 ", 120), ("0", 0), ("900", 900),
        // Capped at 15 minutes, however large, in either form.
        ("901", 900), ("100000000", 900), ("99999999999999999999999", 900),
        // HTTP-date: IMF-fixdate, RFC 850 and asctime forms (RFC 9110 §5.6.7).
        ("Wed, 21 Oct 2026 07:29:00 GMT", 60), ("Wednesday, 21-Oct-26 07:28:30 GMT", 30), ("Wed Oct 21 07:28:05 2026", 5),
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0), ("Thu, 01 Jan 2099 00:00:00 GMT", 900),
        ("Wed, 21 Oct 2026 08:28:00 GMT", 900), ("Sun, 06 Nov 1994 08:49:37 GMT", 0),
    ] as [(String, Int64)])
    func parsesRetryAfter(header: String, seconds: Int64) {
        #expect(HostUpAPIError.retryAfter(header, now: Self.now) == .seconds(seconds))
    }

    @Test(arguments: ["-1", "", "1.5", "7 s", "Wed, 21 Oct 2026 07:28:00", "Wed, 32 Oct 2026 07:28:00 GMT",
        "Wed, 21 Foo 2026 07:28:00 GMT", "Wed, 21 Oct 2026 25:28:00 GMT", "Wed, 21 Oct 2026 07:28 GMT", "soon"])
    func ignoresMalformedRetryAfter(header: String) {
        #expect(HostUpAPIError.retryAfter(header, now: Self.now) == nil)
    }

    @Test(arguments: [
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0), ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 784_111_777), ("Sun Nov  6 08:49:37 1994", 784_111_777),
        ("Tue, 29 Feb 2028 12:00:00 GMT", 1_835_438_400),
    ] as [(String, Int64)])
    func parsesHTTPDates(text: String, seconds: Int64) {
        #expect(HTTPDate.secondsSinceEpoch(text) == seconds)
    }
}
