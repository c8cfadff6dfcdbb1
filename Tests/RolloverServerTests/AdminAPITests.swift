import Foundation
import Hummingbird
import HummingbirdTesting
import RolloverCore
import RolloverPKI
import RolloverTestSupport
import Testing
@testable import RolloverServer
@testable import RolloverService

/// The admin API in process (no socket): tokens, the error shape, and the OpenAPI description kept in step.
@Suite("Admin API")
struct AdminAPITests {
    struct Fixture {
        let folder: ScratchFolder
        let context: ServiceContext
        let router: Router<AdminRequestContext>
        let token: String
    }

    func fixture() async throws -> Fixture {
        let folder = try ScratchFolder()
        let context = try await ServiceContext.open(dataFolder: folder.path("data"), environment: [:], actor: .system)
        let outcome = try await FirstStart(context).prepare(addresses: [try ConnectionAddress("localhost")])
        let live = LiveCertificates()
        try await live.load(from: context)
        let router = Router(context: AdminRequestContext.self)
        try AdminAPI(context: context, live: live, addresses: [try ConnectionAddress("localhost")]).register(on: router)
        return Fixture(folder: folder, context: context, router: router, token: try #require(outcome.newAdminToken))
    }

    /// Every documented operation, as (method, path) with sample parameters filled in.
    static func documentedOperations() throws -> [(HTTPRequest.Method, String, String)] {
        let document = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any]
        let paths = try #require(document?["paths"] as? [String: [String: Any]])
        return paths.flatMap { path, operations in
            operations.keys.map { method in
                (HTTPRequest.Method(rawValue: method.uppercased())!, path, path.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{name}", with: "nobody").replacingOccurrences(of: "{key}", with: "https-mode").replacingOccurrences(of: "{sha256}", with: String(repeating: "0", count: 64)))
            }
        }
    }

    @Test("the OpenAPI description lists exactly the routes the router serves")
    func openAPIMatchesRoutes() async throws {
        let fixture = try await fixture()
        // The console's HTML pages (and the redirect to them from /) are not part of the JSON API.
        let served = Set(fixture.router.routes.map { "\($0.method) \($0.path)" }.filter { !$0.contains(" /console") && !$0.hasSuffix(" /") })
        let documented = Set(try Self.documentedOperations().map { method, path, _ in "\(method) \(path)" })
        #expect(served == documented, "undocumented: \(served.subtracting(documented).sorted()); not served: \(documented.subtracting(served).sorted())")
    }

    @Test("every admin route refuses a missing, a wrong and a revoked token with 401 and the JSON error shape")
    func adminRoutesNeedAValidToken() async throws {
        let fixture = try await fixture()
        let app = Application(router: fixture.router)
        let token = fixture.token
        try await app.test(.router) { client in
            let created = try await client.execute(uri: "/api/v1/admin/tokens", method: .post,
                                                   headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                                   body: ByteBuffer(string: #"{"name":"soon-revoked"}"#))
            #expect(created.status == .ok)
            let revoked = try JSONDecoder().decode([String: String].self, from: Data(buffer: created.body))["token"] ?? ""
            let gone = try await client.execute(uri: "/api/v1/admin/tokens/soon-revoked", method: .delete, headers: [.authorization: "Bearer \(token)"])
            #expect(gone.status == .noContent)

            for (method, path, uri) in try Self.documentedOperations() where path.hasPrefix("/api/v1/admin/") {
                for header in [nil, "Bearer rollover_wrong", "Bearer \(revoked)"] {
                    let response = try await client.execute(uri: uri, method: method, headers: header.map { [.authorization: $0] } ?? [:])
                    #expect(response.status == .unauthorized, "\(method) \(path) with \(header ?? "no token")")
                    #expect(String(buffer: response.body).contains(#""code":"unauthorized""#))
                }
            }
            let health = try await client.execute(uri: "/api/v1/health", method: .get)
            #expect(health.status == .ok)
        }
    }

    @Test("errors are JSON with a stable code and status: unknown certificate, bad setting, refused import, oversized upload")
    func errorsHaveCodes() async throws {
        let fixture = try await fixture()
        let app = Application(router: fixture.router)
        let auth: HTTPFields = [.authorization: "Bearer \(fixture.token)", .contentType: "application/json"]
        try await app.test(.router) { client in
            let missing = try await client.execute(uri: "/api/v1/admin/certificates/999", method: .get, headers: auth)
            #expect(missing.status == .notFound && String(buffer: missing.body).contains(#""code":"not-found""#))
            let setting = try await client.execute(uri: "/api/v1/admin/settings/https-mode", method: .put, headers: auth, body: ByteBuffer(string: #"{"value":"maybe"}"#))
            #expect(setting.status == .badRequest)
            let junk = Data("not a certificate".utf8).base64EncodedString()
            let refused = try await client.execute(uri: "/api/v1/admin/certificates", method: .post, headers: auth,
                                                   body: ByteBuffer(string: #"{"files":[{"name":"junk.pem","content":"\#(junk)"}]}"#))
            #expect(refused.status == .unprocessableContent && String(buffer: refused.body).contains(#""code":"malformed""#))
            let huge = String(repeating: "A", count: 11 * 1024 * 1024)
            let oversized = try await client.execute(uri: "/api/v1/admin/certificates/inspect", method: .post, headers: auth,
                                                     body: ByteBuffer(string: #"{"files":[{"name":"big","content":"\#(huge)"}]}"#))
            #expect(oversized.status == .contentTooLarge)
        }
        #expect(try await fixture.context.store.certificates(in: nil).count == 2, "refused uploads change nothing")
    }

    @Test("changes through the API are audited under the token's name")
    func apiChangesAreAudited() async throws {
        let fixture = try await fixture()
        let app = Application(router: fixture.router)
        let token = fixture.token
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/admin/settings/sync-period-seconds", method: .put,
                                                    headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                                    body: ByteBuffer(string: #"{"value":"1800"}"#))
            #expect(response.status == .ok)
        }
        let entry = try #require(try await fixture.context.store.auditLog(limit: 1).first)
        #expect(entry.actor == "initial-admin" && entry.action == "setting.change")
    }
}
