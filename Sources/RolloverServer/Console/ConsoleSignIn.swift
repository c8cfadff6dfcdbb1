import Foundation
import Hummingbird
import RolloverCore
import RolloverService

/// Signing in with an admin token and out again. The sign-in form is protected from cross-site posts by a
/// double-submitted token (a cookie and a hidden field that must match), since there is no session yet.
extension Console {
    static let signInCookie = "rollover_signin"

    struct SignInPage: Sendable {
        var csrf: String
        var error: String?
    }

    func registerSignIn(on console: RouterGroup<AdminRequestContext>) {
        console.get("login") { _, _ in
            signInPage(error: nil, status: .ok)
        }
        console.post("login") { request, context in
            let form = try await ConsoleForm.read(request, limit: 64 * 1024)
            guard let cookie = request.cookies[Self.signInCookie]?.value, let presented = form["csrf"],
                AdminTokens.constantTimeEqual(cookie, presented)
            else {
                context.logger.notice("console: refused a sign-in without its CSRF token")
                throw APIError(.forbidden, "csrf-invalid", "the sign-in form's security token is missing or stale; reload the page and try again")
            }
            let hash = AdminTokens.hash(form.text("token") ?? "")
            guard let record = try await store.adminToken(tokenSHA256: hash), record.revokedAt == nil,
                AdminTokens.constantTimeEqual(hash, record.tokenSHA256)
            else {
                // Logged without what was typed: it may be a real token with a typo.
                context.logger.notice("console: refused a sign-in with an unknown or revoked admin token")
                return signInPage(error: "That admin token is not valid (unknown or revoked).", status: .unauthorized)
            }
            let (value, _) = await sessions.create(actor: AuditActor(record.name), tokenSHA256: hash)
            var response = Response(status: .seeOther, headers: [.location: "/console"])
            response.setCookie(Self.sessionCookie(value))
            response.setCookie(Cookie(name: Self.signInCookie, value: "", maxAge: 0, path: "/console/login", secure: true, httpOnly: true,
                                      sameSite: .strict))
            return response
        }
    }

    func registerSignOut(on pages: RouterGroup<AdminRequestContext>) {
        pages.post("logout") { _, context in
            if let visit = context.console { await sessions.end(cookie: visit.cookie) }
            var response = Response(status: .seeOther, headers: [.location: "/console/login"])
            response.setCookie(Self.sessionCookie("", maxAge: 0))
            return response
        }
    }

    static func sessionCookie(_ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: ConsoleAuthentication.cookieName, value: value, maxAge: maxAge, path: "/console", secure: true, httpOnly: true,
               sameSite: .strict)
    }

    private func signInPage(error: String?, status: HTTPResponse.Status) -> Response {
        let csrf = ConsoleSessions.randomToken()
        var response = renderer.response("login", SignInPage(csrf: csrf, error: error), status: status)
        response.setCookie(Cookie(name: Self.signInCookie, value: csrf, path: "/console/login", secure: true, httpOnly: true, sameSite: .strict))
        return response
    }
}
