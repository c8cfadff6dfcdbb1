import Foundation
import Hummingbird
import RolloverCore
import RolloverService
import RolloverStore

/// The session a console request arrived with, and its cookie (to leave a notice for the next page).
struct ConsoleVisit: Sendable {
    var session: ConsoleSession
    var cookie: String
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
        var request = request
        if request.method == .post {
            // The body is collected here (and stays readable for the route) to find the form's CSRF token.
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            let form = try ConsoleForm.parse(body, contentType: request.headers[.contentType] ?? "")
            guard let presented = form["csrf"], AdminTokens.constantTimeEqual(presented, session.csrf) else {
                context.logger.notice("console: refused a form without its CSRF token", metadata: ["route": "\(request.uri.path)"])
                throw APIError(.forbidden, "csrf-invalid", "the form's security token is missing or stale; reload the page and try again")
            }
        }
        var context = context
        context.actor = session.actor
        context.console = ConsoleVisit(session: session, cookie: cookie)
        return try await next(request, context)
    }
}
