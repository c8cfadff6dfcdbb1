import Foundation
import Hummingbird
import RolloverCore
import RolloverService
import RolloverStore

/// The session a console request arrived with, its cookie (to leave a notice for the next page), and the form it
/// posted, read once here to check its CSRF token and handed to the route as it is.
struct ConsoleVisit: Sendable {
    var session: ConsoleSession
    var cookie: String
    var form: ConsoleForm?
}

/// Admits a console page only with a live session whose admin token is still valid (revoking the token ends its
/// sessions at once), and a form only with its session's CSRF token. A page asked for without a session is sent to
/// the sign-in page; a form posted without one is refused.
struct ConsoleAuthentication: RouterMiddleware {
    typealias Context = AdminRequestContext
    static let cookieName = "rollover_console"

    let sessions: ConsoleSessions
    let store: any Store

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let cookie = request.cookies[Self.cookieName]?.value, let session = await sessions.session(cookie: cookie),
            let token = try await store.adminToken(tokenSHA256: session.tokenSHA256), token.revokedAt == nil
        else {
            if let cookie = request.cookies[Self.cookieName]?.value { await sessions.end(cookie: cookie) }
            context.logger.notice("console: refused without a session", metadata: ["route": "\(request.method) \(request.uri.path)"])
            if request.method == .get || request.method == .head {
                return Response(status: .seeOther, headers: [.location: "/console/login"])
            }
            throw APIError(.forbidden, "session-required", "sign in to the console first")
        }
        var form: ConsoleForm?
        if request.method == .post {
            let posted = try await ConsoleForm.read(request, limit: context.maxUploadSize)
            guard let presented = posted["csrf"], AdminTokens.constantTimeEqual(presented, session.csrf) else {
                context.logger.notice("console: refused a form without its CSRF token", metadata: ["route": "\(request.uri.path)"])
                throw APIError(.forbidden, "csrf-invalid", "the form's security token is missing or stale; reload the page and try again")
            }
            form = posted
        }
        var context = context
        context.actor = session.actor
        context.console = ConsoleVisit(session: session, cookie: cookie, form: form)
        return try await next(request, context)
    }
}
