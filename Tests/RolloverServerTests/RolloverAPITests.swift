import Foundation
import Hummingbird
import HummingbirdTesting
import RolloverCore
import RolloverPKI
import RolloverStore
import RolloverTestSupport
import Testing
import X509
@testable import RolloverServer
@testable import RolloverService

/// The rollover routes in process, with the scheduler ticked at chosen instants instead of waiting for days.
@Suite("Rollover API")
struct RolloverAPITests: Sendable {
    // Set once in init and only read afterwards; the test closures capture `self` for the Sendable members.
    nonisolated(unsafe) let folder: ScratchFolder
    let context: ServiceContext
    let live: LiveCertificates
    let api: AdminAPI
    nonisolated(unsafe) let router: Router<AdminRequestContext>
    let auth: HTTPFields

    init() async throws {
        folder = try ScratchFolder()
        context = try await ServiceContext.open(dataFolder: folder.path("data"), environment: [:], actor: .system)
        _ = try await FirstStart(context).prepare(addresses: [try ConnectionAddress("localhost")])
        live = LiveCertificates()
        try await live.load(from: context)
        router = Router(context: AdminRequestContext.self)
        api = AdminAPI(context: context, live: live, addresses: [try ConnectionAddress("localhost")])
        try api.register(on: router)
        let (token, hash) = AdminTokens.generate()
        _ = try await context.store.insertAdminToken(name: "test-admin", tokenSHA256: hash, actor: .system)
        auth = [.authorization: "Bearer \(token)", .contentType: "application/json"]
    }

    /// An enrolled device that synced once, holding what enrollment gave it.
    func enrolledDevice(_ client: some TestClientProtocol, name: String) async throws -> EnrollResponse {
        let (secret, hash) = AdminTokens.generate(prefix: "enroll_")
        _ = try await context.store.insertEnrollmentSecret(name: "secret-\(name)", secretSHA256: hash, expiresAt: nil, actor: .system)
        let enrolled = try #require(try await DeviceAPITests.enroll(client, secret: secret, name: name).answer)
        _ = try await sync(client, enrolled, held: enrolled.trust.add.map(\.fingerprint))
        return enrolled
    }

    func sync(_ client: some TestClientProtocol, _ device: EnrollResponse, held: [String]) async throws -> SyncResponse {
        let body = try DeviceProtocol.encoder().encode(SyncRequest(deviceID: device.deviceID, agentVersion: "t", platform: .linux, held: held, results: []))
        let response = try await client.execute(uri: "/api/v1/sync", method: .post, headers: [.authorization: "Bearer \(device.deviceToken)"],
                                                body: ByteBuffer(data: body))
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        return try DeviceProtocol.decoder().decode(SyncResponse.self, from: Data(buffer: response.body))
    }

    func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
        let response = try await client.execute(uri: uri, method: method, headers: auth, body: body.map { ByteBuffer(string: $0) })
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
        return (response.status, json)
    }

    /// A staged certificate from an enterprise CA no device trusts yet, as an import would store it.
    func enterpriseCertificate(validityDays: Int = 90) async throws -> (id: Int64, root: Certificate) {
        let root = try CertificateAuthority.createRoot(commonName: "Enterprise Root \(UUID().uuidString.prefix(6))")
        let key = try KeyType.ecP256.generate()
        let leaf = try root.issueServerCertificate(for: [try ConnectionAddress("localhost")], publicKey: key.publicKey, validityDays: validityDays)
        let keyID = try await KeyRepository(context).save(key, purpose: "server")
        let id = try await context.store.insertCertificate(
            try StoredCertificate(leaf, chain: [root.certificate], state: .staged, source: .imported, privateKeyID: keyID), actor: .system)
        return (id, root.certificate)
    }

    @Test("a reissue after N days is handed to devices as a reserve with its activation time and goes live when the scheduler reaches it; a delay within the sync period is refused")
    func reserveThroughTheScheduler() async throws {
        try await Application(router: router).test(.router) { client in
            let device = try await enrolledDevice(client, name: "laptop")
            let (tooShort, refusal) = try await call(client, .post, "/api/v1/admin/certificates/reissue", #"{"delayDays":0.01}"#)
            #expect(tooShort == .badRequest && (refusal["error"] as? [String: Any])?["code"] as? String == "reserve-delay-too-short", "\(refusal)")

            let (status, answer) = try await call(client, .post, "/api/v1/admin/certificates/reissue", #"{"delayDays":2}"#)
            #expect(status == .ok, "\(answer)")
            let rollover = try #require((answer["rollover"] as? [String: Any])?["id"] as? Int)
            let certificate = try #require((answer["certificate"] as? [String: Any])?["id"] as? Int)
            #expect((answer["warnings"] as? [String])?.isEmpty == false, "under 30 days warns")
            let target = try #require(try await context.store.certificate(id: Int64(certificate)))
            #expect(target.state == .reserve)

            let offered = try await sync(client, device, held: device.trust.add.map(\.fingerprint))
            #expect(offered.reserve?.fingerprint == target.sha256)
            let activatesAt = try #require(offered.reserve?.activatesAt)
            #expect(abs(activatesAt.timeIntervalSinceNow - 2 * 86_400) < 60)
            _ = try await sync(client, device, held: device.trust.add.map(\.fingerprint) + [target.sha256])
            let (_, details) = try await call(client, .get, "/api/v1/admin/rollovers/\(rollover)")
            #expect(((details["rollover"] as? [String: Any])?["deliveries"] as? [String: Int])?["installed"] == 1, "\(details)")
            #expect((details["readiness"] as? [String: Any])?["confirmed"] as? Int == 1)
            #expect(details["projectedActivation"] as? String == ISO8601DateFormatter().string(from: activatesAt))

            await api.scheduler.runOnce(now: activatesAt.addingTimeInterval(-1))
            #expect(try await context.store.certificate(id: Int64(certificate))?.state == .reserve, "not a second early")
            await api.scheduler.runOnce(now: activatesAt)
            #expect(try await context.store.certificate(id: Int64(certificate))?.state == .active)
            #expect(live.identity(for: nil)?.sha256 == target.sha256, "the live server switched without a restart")
            let audit = try await context.store.auditLog(limit: 20).first { $0.action == "rollover.activate" }
            #expect(audit?.detail?.contains("1 of 1 active device(s) confirmed") == true, "\(String(describing: audit))")
            let afterwards = try await sync(client, device, held: device.trust.add.map(\.fingerprint) + [target.sha256])
            #expect(afterwards.reserve == nil, "an active certificate is no longer a reserve")
        }
    }

    @Test("proceed now on a distributing rollover is refused with the devices that would be cut off listed, then forced with confirm; a completed rollover cannot be cancelled")
    func proceedNowRefusesThenConfirms() async throws {
        try await Application(router: router).test(.router) { client in
            _ = try await enrolledDevice(client, name: "desk-7")
            let target = try await enterpriseCertificate()
            let (started, answer) = try await call(client, .post, "/api/v1/admin/rollovers", #"{"certificateID":\#(target.id)}"#)
            #expect(started == .ok, "\(answer)")
            let rollover = try #require((answer["rollover"] as? [String: Any])?["id"] as? Int)
            #expect((answer["rollover"] as? [String: Any])?["preset"] as? String == "distribute-first")

            let (page, rows) = try await call(client, .get, "/api/v1/admin/rollovers/\(rollover)/devices?state=pending&platform=linux")
            #expect(page == .ok && (rows["devices"] as? [[String: Any]])?.map { $0["name"] as? String } == ["desk-7"], "\(rows)")
            let (_, none) = try await call(client, .get, "/api/v1/admin/rollovers/\(rollover)/devices?platform=windows")
            #expect((none["devices"] as? [Any])?.isEmpty == true)
            let (_, details) = try await call(client, .get, "/api/v1/admin/rollovers/\(rollover)")
            #expect(details["readinessHolds"] as? Bool == false && details["projectedActivation"] == nil, "\(details)")

            let (refused, refusal) = try await call(client, .post, "/api/v1/admin/rollovers/\(rollover)/proceed")
            let error = refusal["error"] as? [String: Any] ?? [:]
            #expect(refused == .conflict && error["code"] as? String == "confirmation-required", "\(refusal)")
            #expect((error["devices"] as? [[String: Any]])?.map { $0["name"] as? String } == ["desk-7"], "the refusal lists who would be cut off")
            #expect(try await context.store.certificate(id: target.id)?.state == .staged, "a refusal changes nothing")

            let (forced, done) = try await call(client, .post, "/api/v1/admin/rollovers/\(rollover)/proceed?confirm=true")
            #expect(forced == .ok && (done["rollover"] as? [String: Any])?["state"] as? String == "completed", "\(done)")
            #expect(try await context.store.certificate(id: target.id)?.state == .active)
            let (late, _) = try await call(client, .post, "/api/v1/admin/rollovers/\(rollover)/cancel")
            #expect(late == .conflict)
        }
    }

    @Test("cancelling a distributing rollover cancels its certificate and withdraws the root it was distributing; devices are told to remove it")
    func cancelWithdrawsTheMaterial() async throws {
        try await Application(router: router).test(.router) { client in
            let device = try await enrolledDevice(client, name: "tablet")
            let target = try await enterpriseCertificate()
            let rootSHA256 = ParsedCertificate.sha256Fingerprint(of: try target.root.derBytes())
            let (_, answer) = try await call(client, .post, "/api/v1/admin/rollovers", #"{"certificateID":\#(target.id),"preset":"distribute-first"}"#)
            let rollover = try #require((answer["rollover"] as? [String: Any])?["id"] as? Int)
            let offered = try await sync(client, device, held: device.trust.add.map(\.fingerprint))
            #expect(offered.add.map(\.fingerprint) == [rootSHA256])

            let (cancelled, details) = try await call(client, .post, "/api/v1/admin/rollovers/\(rollover)/cancel")
            #expect(cancelled == .ok && (details["rollover"] as? [String: Any])?["state"] as? String == "cancelled", "\(details)")
            #expect(try await context.store.certificate(id: target.id)?.state == .cancelled)
            let told = try await sync(client, device, held: device.trust.add.map(\.fingerprint) + [rootSHA256])
            #expect(told.remove == [rootSHA256])
        }
    }

    @Test("one sync period after a switch, the root only the retired certificate needed is withdrawn from devices; our CA root stays")
    func retiredTrustIsWithdrawnAfterASyncPeriod() async throws {
        try await Application(router: router).test(.router) { client in
            let device = try await enrolledDevice(client, name: "kiosk")
            let enterprise = try await enterpriseCertificate()
            let rootSHA256 = ParsedCertificate.sha256Fingerprint(of: try enterprise.root.derBytes())
            let (_, started) = try await call(client, .post, "/api/v1/admin/rollovers", #"{"certificateID":\#(enterprise.id)}"#)
            let rollover = try #require((started["rollover"] as? [String: Any])?["id"] as? Int)
            let (forced, _) = try await call(client, .post, "/api/v1/admin/rollovers/\(rollover)/proceed?confirm=true")
            #expect(forced == .ok)
            // Back to our own CA: the enterprise certificate is retired, and with it the reason to trust its root.
            let (reissued, answer) = try await call(client, .post, "/api/v1/admin/certificates/reissue", #"{"activate":true,"confirm":true}"#)
            #expect(reissued == .ok, "\(answer)")
            #expect(try await context.store.certificate(id: enterprise.id)?.state == .retired)

            await api.scheduler.runOnce(now: Date())
            #expect(try await context.store.trustArtifacts(includeWithdrawn: false).contains { $0.sha256 == rootSHA256 },
                    "withdrawn before devices had a sync period to see the new certificate")
            await api.scheduler.runOnce(now: Date().addingTimeInterval(3600 + 60))
            let current = try await context.store.trustArtifacts(includeWithdrawn: false)
            #expect(!current.contains { $0.sha256 == rootSHA256 }, "the retired certificate's root is still trusted")
            let ownRoots = try await context.store.certificates(in: .active).filter { $0.source == .authority }.map(\.sha256)
            #expect(!ownRoots.isEmpty && ownRoots.allSatisfy { root in current.contains { $0.sha256 == root } }, "our CA root was withdrawn")
            let told = try await sync(client, device, held: device.trust.add.map(\.fingerprint) + [rootSHA256])
            #expect(told.remove == [rootSHA256])
        }
    }

    @Test("an imported certificate near expiry raises an alert once, visible in the API and the metrics")
    func expiryAlert() async throws {
        try await Application(router: router).test(.router) { client in
            let soon = try await enterpriseCertificate(validityDays: 5)
            try await context.store.activateCertificate(id: soon.id, actor: .system)
            await api.scheduler.runOnce(now: Date())
            await api.scheduler.runOnce(now: Date())
            let (status, page) = try await call(client, .get, "/api/v1/admin/alerts")
            let alerts = page["alerts"] as? [[String: Any]] ?? []
            #expect(status == .ok && alerts.count == 1, "\(page)")
            #expect(alerts.first?["code"] as? String == "certificate-expiring" && alerts.first?["severity"] as? String == "critical")
            let metrics = try await client.execute(uri: "/metrics", method: .get, headers: auth)
            #expect(String(buffer: metrics.body).contains(#"rollover_alerts_total{code="certificate-expiring",severity="critical"} 1"#),
                    "\(String(buffer: metrics.body).prefix(2000))")
        }
    }
}
