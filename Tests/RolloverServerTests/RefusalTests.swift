import Foundation
import Hummingbird
import HummingbirdTesting
import RolloverCore
import RolloverPKI
import RolloverTestSupport
import Testing
@testable import RolloverServer
@testable import RolloverService

/// Bad input, however extreme, gets a 400-class answer in the documented shape, changes nothing, and leaves the
/// server answering.
@Suite("Refusals")
struct RefusalTests {
    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            var code: String
            var message: String
        }
        var error: Detail
    }

    /// The values an attacker or a careless script sends to every field.
    static let extremes = [
        "9223372036854775807", "-9223372036854775808", "-1", "0", "inf", "-inf", "nan", "1e300", "1e300d", "-1e15", "+1", " 1", "",
        String(repeating: "9", count: 10_000), "0x10", "1.5", "7d7d", "\u{0}",
    ]

    /// The in-process app of `AdminAPITests` (the same router and first start), with its context and token.
    func app() async throws -> (app: some ApplicationProtocol, context: ServiceContext, token: String, folder: ScratchFolder) {
        let fixture = try await AdminAPITests().fixture()
        return (Application(router: fixture.router), fixture.context, fixture.token, fixture.folder)
    }

    func shape(_ response: TestResponse) throws -> ErrorBody.Detail {
        try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body)).error
    }

    @Test("every setting refuses Int.max, -1, 0, inf, nan, 1e300, empty and 10,000 characters with 400 and a code, stores nothing, and the server answers on")
    func extremeSettingValuesAreRefused() async throws {
        let (app, context, token, folder) = try await app()
        _ = folder
        try await app.test(.router) { client in
            for key in ServerSettings.keys {
                for value in Self.extremes where ServerSettings.problem(key, value) != nil {
                    let body = try JSONEncoder().encode(["value": value])
                    let response = try await client.execute(uri: "/api/v1/admin/settings/\(key)", method: .put,
                                                            headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                                            body: ByteBuffer(bytes: body))
                    #expect(response.status == .badRequest, "\(key) = \(value.prefix(20)): \(response.status)")
                    #expect(try shape(response).code == "bad-request")
                }
            }
            let health = try await client.execute(uri: "/api/v1/health", method: .get)
            #expect(health.status == .ok)
        }
        let stored = try await context.store.settings()
        #expect(stored.isEmpty, "refused values were stored: \(stored)")
    }

    @Test("a stored setting out of range is ignored for its default and raised once as an alert, never a trap")
    func outOfRangeStoredSettingFallsBackToItsDefault() throws {
        let stored = ["sync-period-seconds": "9223372036854775807", "distribution-period": "1e300d", "readiness-threshold-percent": "50"]
        let policy = LifecyclePolicy(setting: { stored[$0] })
        #expect(policy.syncPeriod == 3600)
        #expect(policy.distributionPeriod == 7 * 86_400)
        #expect(policy.readinessThresholdPercent == 50)
        #expect(Set(policy.ignoredSettings.keys) == ["sync-period-seconds", "distribution-period"])
        var generator = SystemRandomNumberGenerator()
        #expect(DeviceSync.jittered(Int.max, using: &generator) > 0)
        #expect(SettingDuration.format(-1e15 * 86_400).hasSuffix("s"))
        #expect(SettingDuration.format(.infinity) == "infs")
    }

    @Test("JSON with a trailing comma, a repeated member or deep nesting is refused as malformed-body and creates nothing")
    func lenientJSONIsRefused() async throws {
        let (app, context, token, folder) = try await app()
        _ = folder
        let before = try await context.store.adminTokens().count
        try await app.test(.router) { client in
            for body in [#"{"name":"trailing",}"#, #"{"name":"a","name":"b"}"#, String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
                         #"{"name":"x"} {"#, #"{'name':'single'}"#, #"{"nam":"wrong-field"}"#] {
                let response = try await client.execute(uri: "/api/v1/admin/tokens", method: .post,
                                                        headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                                        body: ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(body.prefix(30)): \(response.status)")
                #expect(try shape(response).code == "malformed-body", "\(body.prefix(30))")
            }
            let device = try await client.execute(uri: "/api/v1/enroll", method: .post, headers: [.contentType: "application/json"],
                                                  body: ByteBuffer(string: #"{"secret":"s","name":"n","platform":"linux",}"#))
            #expect(device.status == .badRequest)
            #expect(try shape(device).code == "malformed-body")
        }
        #expect(try await context.store.adminTokens().count == before)
    }

    @Test("a repeated query parameter, a signed id and an unknown route are refused with a code")
    func parametersAreStrict() async throws {
        let (app, _, token, folder) = try await app()
        _ = folder
        try await app.test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(token)"]
            let repeated = try await client.execute(uri: "/api/v1/admin/certificates/1/activate?confirm=true&confirm=false", method: .post, headers: auth)
            #expect(repeated.status == .badRequest)
            #expect(try shape(repeated).code == "repeated-parameter")
            for id in ["+1", "-1", "0", "1e3", "99999999999999999999"] {
                let signed = try await client.execute(uri: "/api/v1/admin/certificates/\(id)", method: .get, headers: auth)
                #expect(signed.status == .badRequest || signed.status == .notFound, "\(id): \(signed.status)")
                #expect(!(try shape(signed).code).isEmpty)
            }
            let unknown = try await client.execute(uri: "/api/v1/no-such-route", method: .get)
            #expect(unknown.status == .notFound)
            #expect(try shape(unknown).code == "not-found")
        }
    }

    @Test("a reissue refused for its delay or its addresses issues no certificate")
    func refusedReissueIssuesNothing() async throws {
        let (app, context, token, folder) = try await app()
        _ = folder
        let before = try await context.store.certificates(in: nil).count
        try await app.test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            for body in [#"{"delayDays":-1e15}"#, #"{"delayDays":1e300}"#, #"{"delayDays":0}"#, #"{"delayDays":0.001}"#, #"{"delayDays":1000}"#] {
                let response = try await client.execute(uri: "/api/v1/admin/certificates/reissue", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(body): \(response.status)")
                #expect(["delay-out-of-range", "reserve-delay-too-short"].contains(try shape(response).code), "\(body)")
            }
            let many = (0..<101).map { "\"host\($0).example.test\"" }.joined(separator: ",")
            let response = try await client.execute(uri: "/api/v1/admin/certificates/reissue", method: .post, headers: headers,
                                                    body: ByteBuffer(string: #"{"addresses":[\#(many)]}"#))
            #expect(response.status == .badRequest)
            #expect(try shape(response).code == "too-many-addresses")
        }
        #expect(try await context.store.certificates(in: nil).count == before, "a refused reissue issued a certificate")
    }

    @Test("an enrollment secret expiring past ten years, and a console filter of a quadrillion days, are refused or ignored without a trap")
    func extremeDatesDoNotTrap() async throws {
        let (app, _, token, folder) = try await app()
        _ = folder
        try await app.test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            let far = try await client.execute(uri: "/api/v1/admin/enrollment-secrets", method: .post, headers: headers,
                                               body: ByteBuffer(string: #"{"name":"far","expiresAt":"9999-12-31T00:00:00Z"}"#))
            #expect(far.status == .badRequest)
            let devices = try await client.execute(uri: "/api/v1/admin/devices?seenBefore=9999-12-31T00:00:00Z&limit=9223372036854775807",
                                                   method: .get, headers: headers)
            #expect(devices.status == .ok || devices.status == .badRequest)
            let health = try await client.execute(uri: "/api/v1/health", method: .get)
            #expect(health.status == .ok)
        }
    }

    @Test("names are bounded in bytes, not characters, and carry no control characters")
    func namesAreBoundedInBytes() async throws {
        let (app, context, token, folder) = try await app()
        _ = folder
        let before = try await context.store.adminTokens().count
        try await app.test(.router) { client in
            for (name, code) in [(String(repeating: "é", count: 65), "name-too-long"), ("red\u{1b}[31m", "name-control-character"),
                                 ("", "name-empty"), ("zero\u{200b}width", "name-control-character")] {
                let body = try JSONEncoder().encode(["name": name])
                let response = try await client.execute(uri: "/api/v1/admin/tokens", method: .post,
                                                        headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                                        body: ByteBuffer(bytes: body))
                #expect(response.status == .badRequest, "\(name.debugDescription)")
                #expect(try shape(response).code == code)
            }
        }
        #expect(try await context.store.adminTokens().count == before)
        #expect(ConsoleFormat.pathSegment("ops/night?shift#1") == "ops%2Fnight%3Fshift%231")
    }

    @Test("a certificate imported without its key never borrows a stored key: not the CA's")
    func importWithoutKeyNeverBorrowsTheCAKey() async throws {
        let (_, context, _, folder) = try await app()
        _ = folder
        let caPEM = try #require(FileManager.default.contents(atPath: context.dataFolder + "/ca.pem"))
        let outcome = try await CertificateImport(context).run([FileReader.read(Array(caPEM), name: "ca.pem", password: nil)],
                                                               options: InspectionOptions())
        #expect(outcome.certificateID == nil)
        #expect(outcome.report.errors.contains { $0.code == .noPrivateKey }, "\(outcome.report.errors)")
        #expect(!outcome.report.keyHeldByRollover)
    }

    @Test("a secret made for two devices enrolls two and refuses the third; a secret made without an expiry expires in 30 days")
    func secretPastItsUsesIsRefused() async throws {
        let (app, _, token, folder) = try await app()
        _ = folder
        struct Created: Decodable {
            var secret: String
            var expiresAt: String?
        }
        try await app.test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            let made = try await client.execute(uri: "/api/v1/admin/enrollment-secrets", method: .post, headers: headers,
                                                body: ByteBuffer(string: #"{"name":"two-kiosks","maxUses":2}"#))
            #expect(made.status == .ok, "\(String(buffer: made.body))")
            let created = try JSONDecoder().decode(Created.self, from: Data(buffer: made.body))
            let expiry = try #require(created.expiresAt.flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(expiry.timeIntervalSinceNow - 30 * 86_400) < 120, "\(String(describing: created.expiresAt))")
            #expect(try await DeviceAPITests.enroll(client, secret: created.secret, name: "kiosk-1").status == .ok)
            #expect(try await DeviceAPITests.enroll(client, secret: created.secret, name: "kiosk-2").status == .ok)
            #expect(try await DeviceAPITests.enroll(client, secret: created.secret, name: "kiosk-3").status == .unauthorized)
            let zero = try await client.execute(uri: "/api/v1/admin/enrollment-secrets", method: .post, headers: headers,
                                                body: ByteBuffer(string: #"{"name":"none","maxUses":0}"#))
            #expect(zero.status == .badRequest)
        }
    }
}
