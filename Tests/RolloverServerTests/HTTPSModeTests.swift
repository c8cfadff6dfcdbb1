import Foundation
import Hummingbird
import HummingbirdTesting
import RolloverCore
import RolloverPKI
import RolloverStore
import RolloverTestSupport
import Testing
@testable import RolloverServer
@testable import RolloverService

/// The `https-mode` setting in process: the plain HTTP listener's router beside the HTTPS one (both built from
/// the same `AdminAPI`, as `rollover serve` builds them), activations refused while it is off, and the scheduler
/// ticked at chosen instants.
@Suite("HTTPS mode")
struct HTTPSModeTests: Sendable {
    // Set once in init and only read afterwards; the test closures capture `self` for the Sendable members.
    nonisolated(unsafe) let folder: ScratchFolder
    let context: ServiceContext
    let live: LiveCertificates
    let api: AdminAPI
    nonisolated(unsafe) let router: Router<AdminRequestContext>
    nonisolated(unsafe) let plainRouter: Router<AdminRequestContext>
    let auth: HTTPFields
    let admin = AuditActor("test-admin")

    init() async throws {
        folder = try ScratchFolder()
        context = try await ServiceContext.open(dataFolder: folder.path("data"), environment: [:], actor: .system)
        _ = try await FirstStart(context).prepare(addresses: [try ConnectionAddress("localhost")])
        live = LiveCertificates()
        try await live.load(from: context)
        var api = AdminAPI(context: context, live: live, addresses: [try ConnectionAddress("localhost")])
        api.plainListeners = ["http://127.0.0.1:8080"]
        try await api.httpsMode.refresh(from: context.store)
        self.api = api
        router = Router(context: AdminRequestContext.self)
        try api.register(on: router)
        plainRouter = Router(context: AdminRequestContext.self)
        api.registerPlainHTTP(on: plainRouter)
        let (token, hash) = AdminTokens.generate()
        _ = try await context.store.insertAdminToken(name: admin.name, tokenSHA256: hash, actor: .system)
        auth = [.authorization: "Bearer \(token)", .contentType: "application/json"]
    }

    func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil,
              headers: HTTPFields? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
        let response = try await client.execute(uri: uri, method: method, headers: headers ?? auth, body: body.map { ByteBuffer(string: $0) })
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
        return (response.status, json)
    }

    func code(_ json: [String: Any]) -> String? { (json["error"] as? [String: Any])?["code"] as? String }

    /// Enrolls a device through `client` (the plain or the HTTPS router) with a fresh enrollment secret.
    func enroll(_ client: some TestClientProtocol, name: String) async throws -> (status: HTTPResponse.Status, answer: EnrollResponse?, body: String) {
        let (secret, hash) = AdminTokens.generate(prefix: "enroll_")
        _ = try await context.store.insertEnrollmentSecret(name: "secret-\(name)", secretSHA256: hash, expiresAt: nil, actor: .system)
        let body = try DeviceProtocol.encoder().encode(EnrollRequest(secret: secret, name: name, platform: .linux, agentVersion: "test"))
        let response = try await client.execute(uri: "/api/v1/enroll", method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(bytes: body))
        return (response.status, try? DeviceProtocol.decoder().decode(EnrollResponse.self, from: Data(buffer: response.body)),
                String(buffer: response.body))
    }

    func sync(_ client: some TestClientProtocol, _ device: EnrollResponse) async throws -> HTTPResponse.Status {
        let body = try DeviceProtocol.encoder().encode(SyncRequest(deviceID: device.deviceID, agentVersion: "test", platform: .linux,
                                                                   held: device.trust.add.map(\.fingerprint), results: []))
        return try await client.execute(uri: "/api/v1/sync", method: .post, headers: [.authorization: "Bearer \(device.deviceToken)"],
                                        body: ByteBuffer(data: body)).status
    }

    /// A staged certificate from an enterprise CA, as an import would store it.
    func stagedCertificate() async throws -> Int64 {
        let root = try CertificateAuthority.createRoot(commonName: "Enterprise Root \(UUID().uuidString.prefix(6))")
        let key = try KeyType.ecP256.generate()
        let leaf = try root.issueServerCertificate(for: [try ConnectionAddress("localhost")], publicKey: key.publicKey, validityDays: 90)
        let keyID = try await KeyRepository(context).save(key, purpose: "server")
        return try await context.store.insertCertificate(
            try StoredCertificate(leaf, chain: [root.certificate], state: .staged, source: .imported, privateKeyID: keyID), actor: .system)
    }

    @Test("the plain HTTP listener refuses the device API with 403 https-required while HTTPS mode is on, serves it once it is switched off through the settings route, and refuses it again when it is switched back on, with no restart")
    func plainListenerFollowsTheSetting() async throws {
        try await Application(router: router).test(.router) { tls in
            try await Application(router: plainRouter).test(.router) { plain in
                #expect(api.httpsMode.isOn && api.httpsModeWarning == nil, "on by default")
                let (refusedHealth, refusal) = try await call(plain, .get, "/api/v1/health")
                #expect(refusedHealth == .forbidden && code(refusal) == "https-required", "\(refusal)")
                let refusedEnroll = try await enroll(plain, name: "while-on")
                #expect(refusedEnroll.status == .forbidden && refusedEnroll.body.contains("https-required"), "\(refusedEnroll.body)")
                #expect(try await context.store.devices(matching: DeviceFilter(), afterID: nil, limit: 10).isEmpty, "nothing enrolled over plain HTTP while on")

                let (switched, answer) = try await call(tls, .put, "/api/v1/admin/settings/https-mode", #"{"value":"off"}"#)
                #expect(switched == .ok && answer["https-mode"] as? String == "off", "\(answer)")
                let warnings = answer["warnings"] as? [String] ?? []
                #expect(warnings.first?.contains("no certificate change is served") == true && warnings.first?.contains("http://127.0.0.1:8080") == true,
                        "\(warnings)")
                #expect(!api.httpsMode.isOn && api.httpsModeWarning != nil, "applied at once, for the console's warning too")

                let (health, healthy) = try await call(plain, .get, "/api/v1/health")
                #expect(health == .ok && healthy["status"] as? String == "ok", "\(healthy)")
                let enrolled = try await enroll(plain, name: "plain-device")
                let device = try #require(enrolled.answer, "\(enrolled.body)")
                #expect(try await sync(plain, device) == .ok)

                _ = try await call(tls, .put, "/api/v1/admin/settings/https-mode", #"{"value":"on"}"#)
                #expect(try await sync(plain, device) == .forbidden, "on again: refused at the next request")
                #expect(try await sync(tls, device) == .ok, "the HTTPS listener serves devices in either mode")
                #expect(try await context.store.auditLog(limit: 10).filter { $0.action == "setting.change" && $0.actor == admin.name }.count == 2)
            }
        }
    }

    @Test("the admin API, /metrics, the OpenAPI description and the console are never served on the plain HTTP listener, even with a valid token and HTTPS mode off")
    func plainListenerNeverServesTheAdminSide() async throws {
        try await Application(router: plainRouter).test(.router) { plain in
            for mode in ["on", "off"] {
                _ = try await api.setSetting(key: "https-mode", value: mode, actor: admin)
                for (method, uri) in [(HTTPRequest.Method.get, "/api/v1/admin/certificates"), (.get, "/api/v1/admin/settings"),
                                      (.put, "/api/v1/admin/settings/https-mode"), (.get, "/metrics"), (.get, "/api/v1/openapi.json"),
                                      (.get, "/console"), (.get, "/console/settings"), (.get, "/")] {
                    let (status, json) = try await call(plain, method, uri, method == .put ? #"{"value":"on"}"# : nil)
                    #expect(status == .forbidden && code(json) == "https-required", "\(mode) \(method) \(uri): \(status) \(json)")
                }
            }
            #expect(try await context.store.setting("https-mode") == "off", "the PUT over plain HTTP changed nothing")
        }
    }

    @Test("while HTTPS mode is off an activation is refused with 409 https-mode-off and nothing changes; a distribute-first rollover still starts, and activates through proceed once HTTPS mode is on")
    func activationsRefusedWhileOff() async throws {
        try await Application(router: router).test(.router) { tls in
            let served = try #require(live.identity(for: nil)?.sha256)
            let target = try await stagedCertificate()
            _ = try await api.setSetting(key: "https-mode", value: "off", actor: admin)
            let certificatesBefore = try await context.store.certificates(in: nil).count

            let (activate, refusal) = try await call(tls, .post, "/api/v1/admin/certificates/\(target)/activate?confirm=true")
            #expect(activate == .conflict && code(refusal) == "https-mode-off", "\(refusal)")
            let message = (refusal["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("switch HTTPS mode on first"), "\(message)")
            let (proceedNow, _) = try await call(tls, .post, "/api/v1/admin/rollovers", #"{"certificateID":\#(target),"preset":"proceed-now","confirm":true}"#)
            #expect(proceedNow == .conflict)
            let (reissue, reissueRefusal) = try await call(tls, .post, "/api/v1/admin/certificates/reissue", #"{"activate":true,"confirm":true}"#)
            #expect(reissue == .conflict && code(reissueRefusal) == "https-mode-off", "\(reissueRefusal)")
            #expect(try await context.store.certificates(in: nil).count == certificatesBefore, "the reissue issued nothing")
            #expect(try await context.store.certificate(id: target)?.state == .staged)
            #expect(try await context.store.rollovers().isEmpty, "no rollover recorded")
            #expect(live.identity(for: nil)?.sha256 == served, "the live server did not switch")

            let (started, answer) = try await call(tls, .post, "/api/v1/admin/rollovers", #"{"certificateID":\#(target)}"#)
            #expect(started == .ok, "distributing trust material first is allowed: \(answer)")
            let rollover = try #require((answer["rollover"] as? [String: Any])?["id"] as? Int)
            let (proceed, proceedRefusal) = try await call(tls, .post, "/api/v1/admin/rollovers/\(rollover)/proceed?confirm=true")
            #expect(proceed == .conflict && code(proceedRefusal) == "https-mode-off", "\(proceedRefusal)")
            #expect(try await context.store.rollover(id: Int64(rollover))?.state == .open)
            let (details, shown) = try await call(tls, .get, "/api/v1/admin/rollovers/\(rollover)")
            #expect(details == .ok && shown["projectedActivation"] == nil, "no activation is projected while HTTPS mode is off: \(shown)")

            _ = try await api.setSetting(key: "https-mode", value: "on", actor: admin)
            let (proceeded, after) = try await call(tls, .post, "/api/v1/admin/rollovers/\(rollover)/proceed?confirm=true")
            #expect(proceeded == .ok, "\(after)")
            #expect(try await context.store.certificate(id: target)?.state == .active)
            #expect(live.identity(for: nil)?.sha256 != served)
        }
    }

    @Test("a rollover that comes due while HTTPS mode is off stays open with one https-mode-off alert, and activates at the first tick after HTTPS mode is switched on")
    func dueRolloverWaitsForHTTPSMode() async throws {
        try await Application(router: router).test(.router) { tls in
            let served = try #require(live.identity(for: nil)?.sha256)
            let (status, answer) = try await call(tls, .post, "/api/v1/admin/certificates/reissue", #"{"delayDays":2}"#)
            #expect(status == .ok, "\(answer)")
            let rollover = Int64(try #require((answer["rollover"] as? [String: Any])?["id"] as? Int))
            let certificate = Int64(try #require((answer["certificate"] as? [String: Any])?["id"] as? Int))
            let activatesAt = try #require(try await context.store.rollover(id: rollover)?.checkAt)

            let warnings = try await api.setSetting(key: "https-mode", value: "off", actor: admin)
            #expect(warnings.contains { $0.contains("1 open rollover(s) will not activate") && $0.contains("\(rollover)") }, "\(warnings)")
            await api.scheduler.runOnce(now: activatesAt)
            await api.scheduler.runOnce(now: activatesAt.addingTimeInterval(3600))
            #expect(try await context.store.certificate(id: certificate)?.state == .reserve, "held while off")
            #expect(try await context.store.rollover(id: rollover)?.state == .open)
            #expect(live.identity(for: nil)?.sha256 == served)
            let alerts = try await context.store.alerts(limit: 100).map(\.alert).filter { $0.code == "https-mode-off" }
            #expect(alerts.count == 1 && alerts.first?.key == "https-mode-off-\(rollover)" && alerts.first?.severity == .warning, "raised once: \(alerts)")

            let (switched, _) = try await call(tls, .put, "/api/v1/admin/settings/https-mode", #"{"value":"on"}"#)
            #expect(switched == .ok)
            await api.scheduler.runOnce(now: activatesAt.addingTimeInterval(7200))
            #expect(try await context.store.certificate(id: certificate)?.state == .active, "activated at the first tick after switching on")
            #expect(try await context.store.rollover(id: rollover)?.state == .completed)
            #expect(live.identity(for: nil)?.sha256 != served, "the live server switched without a restart")
        }
    }

    @Test("a scheduler tick brings the in-memory mode in line with the store (a change made on another node)")
    func tickRefreshesTheMode() async throws {
        try await context.store.setSetting("https-mode", to: "off", actor: admin)
        #expect(api.httpsMode.isOn, "not seen until the store is read")
        await api.scheduler.runOnce(now: Date())
        #expect(!api.httpsMode.isOn)
    }

    @Test("the audit log pages newest first through the API: before continues below the last page's next, next is null on the last page, and a bad before is 400")
    func auditPages() async throws {
        for step in 1...5 { _ = try await api.setSetting(key: "sync-period-seconds", value: "\(600 + step)", actor: admin) }
        let whole = try await context.store.auditLog(limit: 1000).map(\.id)
        try await Application(router: router).test(.router) { tls in
            var seen: [Int64] = []
            var uri = "/api/v1/admin/audit?limit=2"
            var pages = 0
            while true {
                let response = try await tls.execute(uri: uri, method: .get, headers: auth)
                #expect(response.status == .ok)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let ids = (json["entries"] as? [[String: Any]] ?? []).compactMap { ($0["id"] as? Int).map(Int64.init) }
                seen += ids
                pages += 1
                #expect(json.keys.contains("next"), "next is always there")
                guard let next = json["next"] as? Int else {
                    #expect(json["next"] is NSNull, "null on the last page")
                    break
                }
                #expect(Int64(next) == ids.last)
                uri = "/api/v1/admin/audit?limit=2&before=\(next)"
            }
            #expect(seen == whole, "every entry once, newest first")
            #expect(pages == (whole.count + 1) / 2)
            let (bad, refusal) = try await call(tls, .get, "/api/v1/admin/audit?before=soon")
            #expect(bad == .badRequest && code(refusal) == "bad-request", "\(refusal)")
        }
    }
}

/// `rollover serve --plain-listen` and the CLI against a real server process.
@Suite("HTTPS mode with a real server", .serialized)
struct HTTPSModeLiveTests {
    /// The status and body of a plain HTTP request with curl.
    func plainGet(_ url: String, token: String? = nil) throws -> (status: Int, body: String) {
        let output = try Client.run(["curl", "-sS", "-w", "\n%{http_code}"] + (token.map { ["-H", "Authorization: Bearer \($0)"] } ?? []) + [url]).output
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test("rollover serve --plain-listen: the plain listener refuses with https-required while HTTPS mode is on, serves health once `rollover settings https-mode off` (which warns), never serves the admin API, and refuses again when it is on, in the same process")
    func plainListenerInARealServer() throws {
        let folder = try ScratchFolder()
        let plainPort = try ServerProcess.freePort()
        let server = try ServerProcess(folder: folder, extraArguments: ["--plain-listen", "127.0.0.1:\(plainPort)"])
        defer { server.stop() }
        let plain = "http://127.0.0.1:\(plainPort)"
        let deadline = Date().addingTimeInterval(30)
        while !server.log.contains("plain HTTP on \(plain)"), Date() < deadline { usleep(50_000) }
        #expect(server.log.contains("plain HTTP on \(plain)"), "\(server.log)")
        let pid = server.process.processIdentifier
        let remote = ["--server", server.url, "--cacert", server.caFile, "--token-file", server.data + "/admin-token"]

        let whileOn = try plainGet(plain + "/api/v1/health")
        #expect(whileOn.status == 403 && whileOn.body.contains("https-required"), "\(whileOn)")
        let off = try RolloverCLI.run(["settings", "https-mode", "off"] + remote)
        #expect(off.status == 0 && off.output.contains("warning: HTTPS mode is off") && off.output.contains(plain), "\(off.output) \(off.errors)")
        let health = try plainGet(plain + "/api/v1/health")
        #expect(health.status == 200 && health.body.contains(#""status":"ok""#), "\(health)")
        let admin = try plainGet(plain + "/api/v1/admin/certificates", token: server.token)
        #expect(admin.status == 403 && admin.body.contains("https-required"), "\(admin)")
        #expect(try RolloverCLI.run(["settings", "https-mode", "on"] + remote).status == 0)
        let onAgain = try plainGet(plain + "/api/v1/health")
        #expect(onAgain.status == 403 && onAgain.body.contains("https-required"), "\(onAgain)")
        #expect(server.process.isRunning && server.process.processIdentifier == pid, "no restart")
    }

    @Test("rollover audit pages the log with --before: a page that is not the last names the command for the next, and --json carries next")
    func auditPagesFromTheCLI() throws {
        let folder = try ScratchFolder()
        let server = try ServerProcess(folder: folder)
        defer { server.stop() }
        let remote = ["--server", server.url, "--cacert", server.caFile, "--token-file", server.data + "/admin-token"]
        for step in 1...3 { #expect(try RolloverCLI.run(["settings", "sync-period-seconds", "\(900 + step)"] + remote).status == 0) }
        let first = try RolloverCLI.run(["audit", "--limit", "2"] + remote)
        let hint = try #require(first.output.split(separator: "\n").last { $0.hasPrefix("Older entries: rollover audit --before ") }, "\(first.output)")
        let before = try #require(Int(hint.split(separator: " ").last ?? ""))
        let next = try RolloverCLI.run(["audit", "--json", "--limit", "1000", "--before", "\(before)"] + remote)
        let page = try #require(try JSONSerialization.jsonObject(with: Data(next.output.utf8)) as? [String: Any], "\(next.output)")
        let ids = (page["entries"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        #expect(!ids.isEmpty && ids.allSatisfy { $0 < before } && ids == ids.sorted(by: >), "\(ids)")
        #expect(page["next"] is NSNull, "the last page")
        #expect(!(try RolloverCLI.run(["audit", "--before", "\(before)"] + remote).output.contains("Older entries")))
    }
}
