import Hummingbird
import RolloverCore

/// The request context of every route: who is acting, once the admin token has been checked.
public struct AdminRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The admin token's name; nil on the routes that need no token.
    public var actor: AuditActor?
    /// The console's signed-in session, on console pages.
    var console: ConsoleVisit?

    /// The client's IP address, for per-address limits (nil for a test without a socket).
    var clientAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        actor = nil
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The caller, on routes behind `AdminAuthentication`; a route reached without it is refused.
    func requireActor() throws -> AuditActor {
        guard let actor else { throw APIError.unauthorized }
        return actor
    }

    /// Strict JSON: no trailing commas, no repeated member names, bounded nesting.
    public var requestDecoder: some RequestDecoder { StrictJSONDecoder() }

    /// Uploads of certificate files are small; 10 MB is the documented limit.
    public var maxUploadSize: Int { 10 * 1024 * 1024 }
}
