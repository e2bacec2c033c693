import FoundationEssentials
import NIOCore
import NIOHTTP1

extension HostUpAPIError {
    /// The error for a non-2xx answer: its code from the status, its problem document from the body when the
    /// body decodes as one, and a message that says what the status means for this endpoint.
    init(response: HostUpClient.Response, file: String = #fileID, line: Int = #line) {
        let status = response.status
        let request = "\(response.method) \(response.path)"
        let scopes = response.method == .GET ? "the scopes read:network and read:vm" : "the scope write:network"
        let problem = Self.problemDocument(in: response.body)
        var retryAfter: Duration?
        var rateLimitReset: String?
        let code: Code
        var meaning: String
        switch status.code {
        case 400:
            code = .httpStatus
            meaning = "the request was rejected as invalid"
        case 401:
            code = .unauthorized
            meaning = "the API token is missing, invalid, expired or revoked; this endpoint needs a token with \(scopes)"
        case 403:
            code = .forbidden
            meaning = "the API token lacks \(scopes), or the resource is not owned by this account"
        case 404:
            code = .notFound
            meaning = "the resource does not exist or is not owned by this account"
        case 409:
            code = .conflict
            // NOTE: the provider documents 409 on POST /api/v2/routed-ipv6 as having no body; these are its
            // three documented causes.
            meaning =
                response.method == .POST
                ? "the account already has a routed /48, the requested prefix overlaps an existing route, "
                    + "or no capacity remains"
                : "the request conflicts with the current state (a pool can be released only once it has no routes)"
        case 429:
            code = .rateLimited
            let sent = Self.retryAfterSeconds(response.headers.first(name: "Retry-After"), now: Date())
            let cap = Self.maximumRetryAfter.components.seconds
            retryAfter = sent.map { .seconds(min($0, cap)) }
            rateLimitReset = response.headers.first(name: "X-RateLimit-Reset")
            // The server's figure, and the agent's cap when it is lower: the user learns both.
            meaning =
                "rate limited; "
                + (sent.map { "retry after \($0) s" + ($0 > cap ? " (the agent waits at most \(cap) s)" : "") }
                    ?? "retry later")
        case 500..<600:
            code = .httpStatus
            meaning = "server error; retry later"
        default:
            code = .httpStatus
            meaning = "unexpected status"
        }
        if problem == nil, response.body.readableBytes > 0 {
            meaning += " (the \(response.body.readableBytes)-byte body is not a problem document)"
        }
        self.init(
            code: code,
            message: "\(request): \(status.code) \(status.reasonPhrase): \(meaning)",
            status: Int(status.code),
            problem: problem,
            retryAfter: retryAfter,
            rateLimitReset: rateLimitReset,
            file: file,
            line: line
        )
    }

    /// The body as an RFC 7807 document, or `nil` when it is empty, not JSON, or carries none of the
    /// members that make a problem document (`type`, `title`, `status`, `detail`, `code`).
    static func problemDocument(in body: ByteBuffer) -> ProblemDocument? {
        guard body.readableBytes > 0,
            let problem = try? JSONDecoder().decode(ProblemDocument.self, from: Data(body.readableBytesView))
        else { return nil }
        let hasContent =
            problem.type != nil || problem.title != nil || problem.status != nil || problem.detail != nil
            || problem.code != nil
        return hasContent ? problem : nil
    }

    /// The longest wait a `Retry-After` can impose: 15 minutes. A proxy that says `100000000` must not stop the
    /// agent from polling for years.
    public static let maximumRetryAfter: Duration = .seconds(15 * 60)

    /// `Retry-After` (RFC 9110 §10.2.3) as a delay, in either form: delay-seconds, or an HTTP-date (then the time
    /// from `now` until it, 0 when it is past). Capped at ``maximumRetryAfter``; `nil` when absent or malformed.
    static func retryAfter(_ value: String?, now: Date) -> Duration? {
        retryAfterSeconds(value, now: now).map { .seconds(min($0, maximumRetryAfter.components.seconds)) }
    }

    /// `Retry-After` as the server sent it, in seconds, not capped (a number too long for `Int64` is `Int64.max`);
    /// `nil` when absent or malformed.
    static func retryAfterSeconds(_ value: String?, now: Date) -> Int64? {
        guard let value else { return nil }
        let trimmed = String(
            value.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Digits only: a number too long for Int64 is still a (very long) delay.
            return Int64(trimmed) ?? .max
        }
        guard let date = HTTPDate.secondsSinceEpoch(trimmed) else { return nil }
        let delay = (Double(date) - now.timeIntervalSince1970).rounded(.up)
        return delay >= Double(Int64.max) ? .max : Int64(max(0, delay))
    }
}
