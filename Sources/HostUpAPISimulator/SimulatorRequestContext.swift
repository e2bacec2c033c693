import Hummingbird
import Logging
import NIOCore

/// The Hummingbird request context of the simulator: the core storage plus the connection and the request id.
struct SimulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client connection, so a `dropConnection` fault can close it without answering.
    let channel: any Channel
    /// The `req_…` id the API middleware gives the request; echoed in problem documents and `X-Request-Id`.
    var requestID: String

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.requestID = ""
    }
}
