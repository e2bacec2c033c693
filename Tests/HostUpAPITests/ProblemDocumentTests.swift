import Foundation
import HostUpAPI
import Testing

@Suite struct ProblemDocumentTests {
    @Test func decodes400WithFieldErrorsIgnoringExtensions() throws {
        let problem = try JSONDecoder().decode(ProblemDocument.self, from: Fixture.data("problem-400"))
        #expect(problem.status == 400)
        #expect(problem.code == "invalid_request")
        #expect(problem.requestId == "req_01hxa3b4c5d6e7f8g9h0j1k2m3")
        #expect(
            problem.errors == [
                FieldError(pointer: "/poolId", detail: "`poolId` is required for `create_route`.", code: "missing_required"),
                FieldError(pointer: "/prefixLength", detail: "`prefixLength` must be 48, 56 or 64.", code: "invalid_value"),
            ])
    }

    @Test func descriptionListsTitleDetailCodeEachPointerAndRequestID() throws {
        let problem = try JSONDecoder().decode(ProblemDocument.self, from: Fixture.data("problem-400"))
        #expect(
            problem.description == """
                Validation failed (status 400, code invalid_request)
                  The request body failed validation.
                  /poolId: `poolId` is required for `create_route`. (missing_required)
                  /prefixLength: `prefixLength` must be 48, 56 or 64. (invalid_value)
                  request id: req_01hxa3b4c5d6e7f8g9h0j1k2m3
                """)
    }

    @Test(arguments: [
        ("problem-401", 401, "unauthorized"),
        ("problem-403", 403, "insufficient_scope"),
        ("problem-429", 429, "rate_limited"),
    ])
    func decodesStatusProblems(fixture: String, status: Int, code: String) throws {
        let problem = try JSONDecoder().decode(ProblemDocument.self, from: Fixture.data(fixture))
        #expect(problem.status == status)
        #expect(problem.code == code)
        #expect(problem.description.hasPrefix("\(problem.title!) (status \(status), code \(code))"))
        #expect(problem.description.contains("request id: \(problem.requestId!)"))
    }
}
