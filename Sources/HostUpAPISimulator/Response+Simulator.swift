import FoundationEssentials
import HTTPTypes
import HostUpAPI
import Hummingbird
import NIOCore

extension Response {
    /// The encoder for every JSON body: sorted keys (a stable body, so a stable `ETag`), no `\/` escaping.
    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Encodes `value` as an `application/json` body.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        bytes(Array(try makeEncoder().encode(value)), status: status)
    }

    /// A body of raw bytes with the given content type.
    static func bytes(
        _ bytes: [UInt8],
        status: HTTPResponse.Status = .ok,
        contentType: String = "application/json"
    ) -> Response {
        Response(
            status: status,
            headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    /// The answer to a refused request: an RFC 7807 `application/problem+json` document, or an empty body when the
    /// failure has no code (409 on `POST /api/v2/routed-ipv6`).
    ///
    /// - Parameters:
    ///   - failure: The refusal.
    ///   - instance: The request path, the problem's `instance`.
    ///   - requestID: The `req_…` id.
    static func problem(_ failure: APIFailure, instance: String, requestID: String) -> Response {
        let status = HTTPResponse.Status(code: failure.status)
        guard let code = failure.code else {
            return Response(status: status, headers: [.contentLength: "0"])
        }
        let document = ProblemDocument(
            type: "https://developer.hostup.se/errors/\(code)",
            title: failure.title,
            status: failure.status,
            detail: failure.detail,
            code: code,
            instance: instance,
            requestId: requestID,
            timestamp: SimulatorTimestamp.string(from: Date()),
            errors: failure.errors.isEmpty
                ? nil
                : failure.errors.map { FieldError(pointer: $0.pointer, detail: $0.detail, code: $0.code.rawValue) }
        )
        let body = (try? makeEncoder().encode(document)).map { Array($0) } ?? Array("{}".utf8)
        return bytes(body, status: status, contentType: "application/problem+json")
    }
}
