#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import HostUpAPI
import RoutingAgent

/// Runs one API request for a command: a `429` is waited out once (at most two minutes of `Retry-After`, said on
/// stderr), and any failure is printed readably and turned into the command's exit code (3 transport, 2 refusal).
///
/// - Parameter conflict: What a body-less `409` means for this request, in words.
func callAPI<Result>(_ what: String, conflict: String? = nil, _ request: () async throws -> Result) async throws -> Result {
    do {
        return try await request()
    } catch let error as HostUpAPIError where error.code == .rateLimited {
        let wait = error.retryAfter ?? .seconds(5)
        guard wait <= .seconds(120) else { throw reportAPIFailure(what, error, conflict: conflict) }
        printError("\(what): rate limited; waiting \(wait.components.seconds) s (Retry-After) and trying once more")
        try await Task.sleep(for: wait)
        do {
            return try await request()
        } catch {
            throw reportAPIFailure(what, error, conflict: conflict)
        }
    } catch {
        throw reportAPIFailure(what, error, conflict: conflict)
    }
}

/// Prints an API failure (the problem document's title, detail, code, each `errors[]` pointer, `requestId`; or
/// the transport error) and returns the exit code to throw.
func reportAPIFailure(_ what: String, _ error: any Error, conflict: String? = nil) -> ExitCode {
    if let conflict, let error = error as? HostUpAPIError, error.status == 409, error.problem == nil {
        printError("\(what) refused: \(conflict)")
        return ExitCodes.api
    }
    printError("\(what) failed:")
    for line in "\(error)".split(separator: "\n", omittingEmptySubsequences: false) {
        printError("  \(line)")
    }
    return ExitCodes.code(for: error)
}

/// Asks "question [y/N]" on a terminal; off a terminal, `--yes` is required.
///
/// - Throws: ``ExitCodes/usage`` when not confirmed.
func confirm(_ question: String, yes: Bool) throws {
    if yes { return }
    guard isatty(STDIN_FILENO) == 1 else {
        printError("\(question): not a terminal, so pass --yes to confirm")
        throw ExitCodes.usage
    }
    StandardError.write("\(question) [y/N] ")
    let answer = readLine()?.lowercased() ?? ""
    guard answer == "y" || answer == "yes" else {
        printError("not confirmed; nothing was sent")
        throw ExitCodes.usage
    }
}

/// The account's state document: `GET /api/v2/routed-ipv6`, through ``callAPI(_:conflict:_:)``.
func fetchState(_ client: HostUpClient) async throws -> RoutedIPv6State {
    try await callAPI("GET /api/v2/routed-ipv6") { try await client.routedIPv6Document().state }
}
