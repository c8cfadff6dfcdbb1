import Foundation
import Hummingbird
import RolloverCore
import RolloverService
import RolloverStore

/// The web console under `/console`: server-rendered pages over the same operations as the admin API, behind a
/// sign-in with an admin token. Each area of the console registers its pages in its own file.
struct Console: Sendable {
    let api: AdminAPI
    let renderer: ConsoleRenderer
    let sessions = ConsoleSessions()
    let uploads = ConsoleUploads()

    var store: any Store { api.context.store }

    init(api: AdminAPI) throws {
        self.api = api
        renderer = try ConsoleRenderer()
    }

    func register(on router: Router<AdminRequestContext>) {
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/console"]) }
        let console = router.group("console").add(middleware: ConsoleErrorPages(renderer: renderer))
        registerAssets(on: console)
        registerSignIn(on: console)
        let pages = console.group().add(middleware: ConsoleAuthentication(sessions: sessions, store: store))
        registerSignOut(on: pages)
        registerOverview(on: pages)
        registerCertificates(on: pages)
        registerImport(on: pages)
        registerReissue(on: pages)
        registerRollovers(on: pages)
        registerDevices(on: pages)
        registerSettings(on: pages)
        registerAudit(on: pages)
        registerAccess(on: pages)
    }

    /// A page in the layout, with the chrome for the signed-in administrator.
    func page<Content: Sendable>(_ template: String, title: String, section: ConsoleChrome.Section?, _ content: Content,
                                 _ context: AdminRequestContext, status: HTTPResponse.Status = .ok, error: String? = nil) async throws -> Response {
        let visit = try visit(context)
        let chrome = ConsoleChrome(title: title, section: section, actor: visit.session.actor.name, csrf: visit.session.csrf,
                                   httpsWarning: api.httpsModeWarning,
                                   notice: await sessions.takeNotice(cookie: visit.cookie), error: error)
        return renderer.response(template, ConsolePage(chrome: chrome, content: content), status: status)
    }

    /// After a change: back to a page (POST, redirect, GET), with a notice of what was done.
    func redirect(_ location: String, notice: String?, _ context: AdminRequestContext) async -> Response {
        if let notice, let visit = context.console { await sessions.setNotice(notice, cookie: visit.cookie) }
        return Response(status: .seeOther, headers: [.location: location])
    }

    func actor(_ context: AdminRequestContext) throws -> AuditActor { try context.requireActor() }

    /// The form of a POST, as the session middleware read it to admit it by its CSRF token.
    func form(_ context: AdminRequestContext) throws -> ConsoleForm {
        guard let form = try visit(context).form else { throw APIError.badRequest("this page takes a posted form") }
        return form
    }

    func visit(_ context: AdminRequestContext) throws -> ConsoleVisit {
        guard let visit = context.console else { throw APIError(.forbidden, "session-required", "sign in to the console first") }
        return visit
    }
}
