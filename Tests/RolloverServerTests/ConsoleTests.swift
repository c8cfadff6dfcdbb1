import Foundation
import Hummingbird
import HummingbirdTesting
import RolloverCore
import RolloverTestSupport
import Testing
@testable import RolloverServer
@testable import RolloverService

/// The console in process (no browser): sessions, CSRF, refusals, and every page rendering. The browser walks
/// through it in `ConsoleBrowserTests`.
@Suite("Console")
struct ConsoleTests {
    /// A signed-in browser, as cookies and the session's CSRF token.
    struct Browser {
        var cookie: String
        var csrf: String
    }

    static func cookie(_ name: String, in response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("\(name)=") }
    }

    static func cookieValue(_ header: String) -> String {
        String(header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)[1])
    }

    static func csrf(in response: TestResponse) -> String? {
        let html = String(buffer: response.body)
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        var components = URLComponents()
        components.queryItems = fields.map { URLQueryItem(name: $0.key, value: $0.value) }
        return ByteBuffer(string: (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B"))
    }

    static let formType: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    static func signIn(_ client: some TestClientProtocol, token: String) async throws -> Browser {
        let page = try await client.execute(uri: "/console/login", method: .get)
        let signInCookie = try #require(cookie(Console.signInCookie, in: page))
        let formToken = try #require(Self.csrf(in: page))
        var headers = formType
        headers[.cookie] = "\(Console.signInCookie)=\(cookieValue(signInCookie))"
        let signedIn = try await client.execute(uri: "/console/login", method: .post, headers: headers, body: form(["token": token, "csrf": formToken]))
        #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/console")
        let session = try #require(cookie(ConsoleAuthentication.cookieName, in: signedIn))
        #expect(session.contains("HttpOnly") && session.contains("Secure") && session.contains("SameSite=Strict") && session.contains("Path=/console"))
        let cookieHeader = "\(ConsoleAuthentication.cookieName)=\(cookieValue(session))"
        let overview = try await client.execute(uri: "/console", method: .get, headers: [.cookie: cookieHeader])
        return Browser(cookie: cookieHeader, csrf: try #require(Self.csrf(in: overview)))
    }

    @Test("a page without a session goes to the sign-in page, a form without one is refused, and neither changes anything")
    func noSessionIsRefused() async throws {
        let fixture = try await AdminAPITests().fixture()
        let store = fixture.context.store
        try await Application(router: fixture.router).test(.router) { client in
            for path in ["/console", "/console/certificates", "/console/rollovers/1", "/console/settings", "/console/access"] {
                let page = try await client.execute(uri: path, method: .get)
                #expect(page.status == .seeOther && page.headers[.location] == "/console/login", "\(path)")
            }
            let posted = try await client.execute(uri: "/console/settings", method: .post, headers: Self.formType,
                                                  body: Self.form(["csrf": "guess", "sync-period-seconds": "60"]))
            #expect(posted.status == .forbidden && String(buffer: posted.body).contains("session-required"))
            let forged = try await client.execute(uri: "/console/settings", method: .get, headers: [.cookie: "\(ConsoleAuthentication.cookieName)=forged"])
            #expect(forged.status == .seeOther)
        }
        #expect(try await store.setting("sync-period-seconds") == nil)
    }

    @Test("a form posted without its session's CSRF token is refused and changes nothing; with it, the change is made and audited")
    func formsNeedTheirCSRFToken() async throws {
        let fixture = try await AdminAPITests().fixture()
        let token = fixture.token, store = fixture.context.store
        try await Application(router: fixture.router).test(.router) { client in
            let browser = try await Self.signIn(client, token: token)
            var headers = Self.formType
            headers[.cookie] = browser.cookie
            for fields in [["sync-period-seconds": "60"], ["sync-period-seconds": "60", "csrf": "wrong"]] {
                let refused = try await client.execute(uri: "/console/settings", method: .post, headers: headers, body: Self.form(fields))
                #expect(refused.status == .forbidden && String(buffer: refused.body).contains("csrf-invalid"))
            }
            let multipart = try await client.execute(uri: "/console/certificates/import", method: .post,
                                                     headers: [.cookie: browser.cookie, .contentType: "multipart/form-data; boundary=X"],
                                                     body: ByteBuffer(string: "--X\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nx\r\n--X--\r\n"))
            #expect(multipart.status == .forbidden, "an upload form without its token")
            #expect(try await store.setting("sync-period-seconds") == nil)

            let saved = try await client.execute(uri: "/console/settings", method: .post, headers: headers,
                                                 body: Self.form(["sync-period-seconds": "60", "csrf": browser.csrf]))
            #expect(saved.status == .seeOther)
            let page = try await client.execute(uri: "/console/settings", method: .get, headers: [.cookie: browser.cookie])
            #expect(String(buffer: page.body).contains("Saved: sync-period-seconds = 60"))
        }
        #expect(try await store.setting("sync-period-seconds") == "60")
        #expect(try await store.auditLog(limit: 1).first?.actor == "initial-admin")
    }

    @Test("signing in needs the sign-in form's own token; a wrong admin token is refused and not logged")
    func signInIsProtected() async throws {
        let fixture = try await AdminAPITests().fixture()
        let token = fixture.token
        try await Application(router: fixture.router).test(.router) { client in
            let noCookie = try await client.execute(uri: "/console/login", method: .post, headers: Self.formType,
                                                    body: Self.form(["token": token, "csrf": "anything"]))
            #expect(noCookie.status == .forbidden && Self.cookie(ConsoleAuthentication.cookieName, in: noCookie) == nil)
            let page = try await client.execute(uri: "/console/login", method: .get)
            var headers = Self.formType
            headers[.cookie] = "\(Console.signInCookie)=\(Self.cookieValue(try #require(Self.cookie(Console.signInCookie, in: page))))"
            let wrong = try await client.execute(uri: "/console/login", method: .post, headers: headers,
                                                 body: Self.form(["token": "rollover_wrong", "csrf": try #require(Self.csrf(in: page))]))
            #expect(wrong.status == .unauthorized && Self.cookie(ConsoleAuthentication.cookieName, in: wrong) == nil)
        }
    }

    @Test("revoking the admin token ends the console sessions it signed in; signing out ends the session")
    func revocationAndSignOutEndSessions() async throws {
        let fixture = try await AdminAPITests().fixture()
        let token = fixture.token, store = fixture.context.store
        try await Application(router: fixture.router).test(.router) { client in
            let browser = try await Self.signIn(client, token: token)
            var headers = Self.formType
            headers[.cookie] = browser.cookie
            let out = try await client.execute(uri: "/console/logout", method: .post, headers: headers, body: Self.form(["csrf": browser.csrf]))
            #expect(out.status == .seeOther && out.headers[.location] == "/console/login")
            #expect(try await client.execute(uri: "/console", method: .get, headers: [.cookie: browser.cookie]).status == .seeOther)

            let again = try await Self.signIn(client, token: token)
            _ = try await store.insertAdminToken(name: "spare", tokenSHA256: String(repeating: "e", count: 64), actor: .system)
            try await store.revokeAdminToken(name: "initial-admin", actor: .system)
            #expect(try await client.execute(uri: "/console", method: .get, headers: [.cookie: again.cookie]).status == .seeOther)
        }
    }

    @Test("every console page renders for a signed-in administrator, with the security headers and no private key")
    func everyPageRenders() async throws {
        let fixture = try await AdminAPITests().fixture()
        let token = fixture.token, store = fixture.context.store
        let certificate = try #require(try await store.certificates(in: .active).first { $0.source != .authority })
        try await Application(router: fixture.router).test(.router) { client in
            let browser = try await Self.signIn(client, token: token)
            for path in ["/console", "/console/certificates", "/console/certificates/\(certificate.id)", "/console/certificates/import",
                         "/console/certificates/reissue", "/console/rollovers", "/console/devices", "/console/settings", "/console/audit",
                         "/console/access"] {
                let page = try await client.execute(uri: path, method: .get, headers: [.cookie: browser.cookie])
                let html = String(buffer: page.body)
                #expect(page.status == .ok, "\(path): \(html.prefix(500))")
                #expect(html.contains("<main id=\"main\"") && html.contains("aria-current=\"page\"") || path == "/console/certificates/import", "\(path)")
                #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true && page.headers[.cacheControl] == "no-store")
                #expect(!html.contains("PRIVATE KEY") && !html.contains(token), "\(path)")
            }
            let css = try await client.execute(uri: "/console/assets/console.css", method: .get)
            #expect(css.status == .ok && css.headers[.contentType]?.hasPrefix("text/css") == true)
            let missing = try await client.execute(uri: "/console/certificates/999", method: .get, headers: [.cookie: browser.cookie])
            #expect(missing.status == .notFound && String(buffer: missing.body).contains("not-found"))
        }
    }
}
