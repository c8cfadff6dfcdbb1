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

/// The device API in process: enrollment and every refusal a hostile or broken device can meet.
@Suite("Device API")
struct DeviceAPITests {
    let folder: ScratchFolder
    let context: ServiceContext
    let router: Router<AdminRequestContext>

    init() async throws {
        folder = try ScratchFolder()
        context = try await ServiceContext.open(dataFolder: folder.path("data"), environment: [:], actor: .system)
        _ = try await FirstStart(context).prepare(addresses: [try ConnectionAddress("localhost")])
        let live = LiveCertificates()
        try await live.load(from: context)
        router = Router(context: AdminRequestContext.self)
        try AdminAPI(context: context, live: live, addresses: [try ConnectionAddress("localhost")]).register(on: router)
    }

    func makeSecret(_ name: String, expiresAt: Date? = nil) async throws -> String {
        let (secret, hash) = AdminTokens.generate(prefix: "enroll_")
        _ = try await context.store.insertEnrollmentSecret(name: name, secretSHA256: hash, expiresAt: expiresAt, actor: .system)
        return secret
    }

    static func enroll(_ client: some TestClientProtocol, secret: String, name: String) async throws -> (status: HTTPResponse.Status, answer: EnrollResponse?) {
        let body = try DeviceProtocol.encoder().encode(EnrollRequest(secret: secret, name: name, platform: .linux, agentVersion: "test"))
        let response = try await client.execute(uri: "/api/v1/enroll", method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(bytes: body))
        return (response.status, try? DeviceProtocol.decoder().decode(EnrollResponse.self, from: Data(buffer: response.body)))
    }

    static func sync(_ client: some TestClientProtocol, token: String?, body: Data) async throws -> (HTTPResponse.Status, String) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let response = try await client.execute(uri: "/api/v1/sync", method: .post, headers: headers, body: ByteBuffer(bytes: body))
        return (response.status, String(buffer: response.body))
    }

    static func request(_ deviceID: Int64) throws -> Data {
        try DeviceProtocol.encoder().encode(SyncRequest(deviceID: deviceID, agentVersion: "test", platform: .linux, held: [], results: []))
    }

    @Test("enrollment answers a device id, a token kept only as its hash, the sync period and the server's CA as an anchor")
    func enrollmentAnswers() async throws {
        let secret = try await makeSecret("lab")
        let store = context.store
        try await Application(router: router).test(.router) { client in
            let (status, enrolledAnswer) = try await Self.enroll(client, secret: secret, name: "laptop-1")
            #expect(status == .ok)
            let enrolled = try #require(enrolledAnswer)
            #expect(enrolled.deviceToken.hasPrefix("device_") && enrolled.syncPeriodSeconds == 3600)
            #expect(enrolled.trust.add.count == 1 && enrolled.trust.add.first?.role == .anchor)
            let stored = try #require(try await store.device(id: enrolled.deviceID))
            #expect(stored.tokenSHA256 == AdminTokens.hash(enrolled.deviceToken) && stored.name == "laptop-1")
            let (synced, text) = try await Self.sync(client, token: enrolled.deviceToken, body: try Self.request(enrolled.deviceID))
            #expect(synced == .ok, "\(text)")
            let answer = try DeviceProtocol.decoder().decode(SyncResponse.self, from: Data(text.utf8))
            #expect(answer.add.count == 1, "a device holding nothing is sent the anchor again")
            #expect((3240...3960).contains(answer.nextSyncSeconds), "the period with ±10% jitter")
        }
    }

    @Test("a stolen or retired token, a revoked or expired secret, a malformed or oversized body and another device's id are refused and change nothing")
    func refusalsChangeNothing() async throws {
        let secret = try await makeSecret("lab")
        let expired = try await makeSecret("old", expiresAt: Date().addingTimeInterval(-60))
        let store = context.store
        try await Application(router: router).test(.router) { client in
            let first = try #require(try await Self.enroll(client, secret: secret, name: "one").answer)
            let second = try #require(try await Self.enroll(client, secret: secret, name: "two").answer)
            try await store.retireDevice(id: first.deviceID, actor: .system)
            try await store.revokeEnrollmentSecret(name: "lab", actor: .system)
            let auditBefore = try await store.auditLog(limit: 1000).count
            let devicesBefore = try await store.devices(matching: DeviceFilter(includeRetired: true), afterID: nil, limit: 100)

            #expect(try await Self.enroll(client, secret: secret, name: "replayed").status == .unauthorized)
            #expect(try await Self.enroll(client, secret: expired, name: "late").status == .unauthorized)
            let (noToken, noTokenBody) = try await Self.sync(client, token: nil, body: try Self.request(second.deviceID))
            #expect(noToken == .unauthorized && noTokenBody.contains(#""code":"invalid-device-token""#))
            #expect(try await Self.sync(client, token: "device_guessed", body: try Self.request(second.deviceID)).0 == .unauthorized)
            #expect(try await Self.sync(client, token: first.deviceToken, body: try Self.request(first.deviceID)).0 == .unauthorized, "retired")
            let (wrongDevice, wrongBody) = try await Self.sync(client, token: second.deviceToken, body: try Self.request(first.deviceID))
            #expect(wrongDevice == .forbidden && wrongBody.contains(#""code":"wrong-device""#))
            let (malformed, malformedBody) = try await Self.sync(client, token: second.deviceToken, body: Data(#"{"deviceID": "#.utf8))
            #expect(malformed == .badRequest && malformedBody.contains(#""code":"malformed-body""#))
            let (wrongVersion, _) = try await Self.sync(client, token: second.deviceToken,
                                                   body: Data(#"{"protocolVersion":9,"deviceID":\#(second.deviceID),"agentVersion":"x","platform":"linux","held":[],"results":[]}"#.utf8))
            #expect(wrongVersion == .badRequest)
            let notHex = #"{"protocolVersion":1,"deviceID":\#(second.deviceID),"agentVersion":"x","platform":"linux","held":["nope"],"results":[]}"#
            #expect(try await Self.sync(client, token: second.deviceToken, body: Data(notHex.utf8)).0 == .badRequest)
            let huge = Data(("{\"padding\":\"" + String(repeating: "x", count: DeviceProtocol.maximumBodySize) + "\"}").utf8)
            let (oversized, oversizedBody) = try await Self.sync(client, token: second.deviceToken, body: huge)
            #expect(oversized == .contentTooLarge && oversizedBody.contains(#""code":"body-too-large""#))

            #expect(try await store.auditLog(limit: 1000).count == auditBefore)
            #expect(try await store.devices(matching: DeviceFilter(includeRetired: true), afterID: nil, limit: 100) == devicesBefore)
        }
    }

    @Test("activation needs no confirmation while every active device holds the CA the new certificate chains to, and counts those that do not")
    func activationCountsDevicesAtRisk() async throws {
        let secret = try await makeSecret("lab")
        let store = context.store
        let (adminToken, adminHash) = AdminTokens.generate()
        _ = try await store.insertAdminToken(name: "test-admin", tokenSHA256: adminHash, actor: .system)
        let auth: HTTPFields = [.authorization: "Bearer \(adminToken)", .contentType: "application/json"]
        try await Application(router: router).test(.router) { client in
            let ready = try #require(try await Self.enroll(client, secret: secret, name: "ready").answer)
            let held = ready.trust.add.map(\.fingerprint)
            let report = try DeviceProtocol.encoder().encode(SyncRequest(deviceID: ready.deviceID, agentVersion: "t", platform: .linux, held: held, results: []))
            #expect(try await Self.sync(client, token: ready.deviceToken, body: report).0 == .ok)
            let reissue = #"{"activate":true}"#
            let switched = try await client.execute(uri: "/api/v1/admin/certificates/reissue", method: .post, headers: auth, body: ByteBuffer(string: reissue))
            #expect(switched.status == .ok, "\(String(buffer: switched.body))")

            let bare = try #require(try await Self.enroll(client, secret: secret, name: "bare").answer)
            #expect(try await Self.sync(client, token: bare.deviceToken, body: try Self.request(bare.deviceID)).0 == .ok)
            let refused = try await client.execute(uri: "/api/v1/admin/certificates/reissue", method: .post, headers: auth, body: ByteBuffer(string: reissue))
            #expect(refused.status == .conflict && String(buffer: refused.body).contains(#""devicesAtRisk":1"#), "\(String(buffer: refused.body))")
        }
    }
}
