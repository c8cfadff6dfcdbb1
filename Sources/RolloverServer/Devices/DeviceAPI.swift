import Foundation
import Hummingbird
import NIOCore
import RolloverCore
import RolloverService
import RolloverStore

/// The device sync API, version 1: `POST /api/v1/enroll` and `POST /api/v1/sync` (see `openapi.json`).
/// Bodies are read up to `DeviceProtocol.maximumBodySize`; a device token is hashed at once and never logged.
struct DeviceAPI: Sendable {
    let context: ServiceContext
    let material: TrustMaterial
    let writer: SyncWriter
    let throttle: EnrollmentThrottle

    func register(on router: Router<AdminRequestContext>) {
        router.post("/api/v1/enroll") { request, requestContext in try Self.json(try await enroll(request, requestContext)) }
        router.post("/api/v1/sync") { request, requestContext in try Self.json(try await sync(request, requestContext)) }
        HandoverAPI(context: context, material: material).register(on: router)
    }

    private func enroll(_ request: Request, _ requestContext: AdminRequestContext) async throws -> EnrollResponse {
        let body = try await decode(EnrollRequest.self, request)
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        let now = Date()
        if let wait = throttle.admit(address: requestContext.clientAddress, secretSHA256: AdminTokens.hash(body.secret)) {
            requestContext.logger.notice("refused: enrollments from \(requestContext.clientAddress ?? "a client") come too fast")
            throw APIError(.tooManyRequests, "too-many-enrollments", "enrollments come too fast from this address or with this secret; try again in \(Int(wait.rounded(.up))) s",
                           details: ["retryAfterSeconds": Int(wait.rounded(.up))])
        }
        guard let secret = try await context.store.enrollmentSecret(secretSHA256: AdminTokens.hash(body.secret)), secret.admits(at: now) else {
            requestContext.logger.notice("refused: unknown, revoked, expired or used-up enrollment secret")
            throw APIError(.unauthorized, "invalid-enrollment-secret", "the enrollment secret is unknown, revoked, expired or used by as many devices as it may")
        }
        let (token, hash) = AdminTokens.generate(prefix: "device_")
        let device = NewDevice(name: name, platform: body.platform, tokenSHA256: hash, enrolledAt: now,
                               agentVersion: String(body.agentVersion.prefix(64)), enrollmentSecretID: secret.id)
        guard let id = try await context.store.insertDevices([device], deliveryState: .delivered,
                                                             actor: AuditActor("enrollment-secret:\(secret.name)")).first
        else { throw APIError(.internalServerError, "enrollment-failed", "the device was not recorded") }
        let snapshot = try await material.snapshot(now: Date())
        return EnrollResponse(deviceID: id, deviceToken: token, syncPeriodSeconds: snapshot.syncPeriod,
                              trust: DeviceSync.enrollment(snapshot: snapshot, now: now, nextSync: Self.jittered(snapshot.syncPeriod),
                                                           host: RequestHost.name(request)))
    }

    private func sync(_ request: Request, _ requestContext: AdminRequestContext) async throws -> SyncResponse {
        guard let token = request.bearerToken, let state = try await context.store.syncState(tokenSHA256: AdminTokens.hash(token)),
            state.device.retiredAt == nil
        else {
            requestContext.logger.notice("refused: sync without a valid device token")
            throw APIError(.unauthorized, "invalid-device-token", "a valid device token is required: Authorization: Bearer <device token>")
        }
        let device = state.device
        let body = try await decode(SyncRequest.self, request)
        guard body.protocolVersion == DeviceProtocol.version else {
            throw APIError(.badRequest, "unsupported-protocol-version", "this server speaks sync protocol version \(DeviceProtocol.version)")
        }
        guard body.deviceID == device.id else {
            requestContext.logger.notice("refused: a device token used for another device's id", metadata: ["device": "\(device.id)"])
            throw APIError(.forbidden, "wrong-device", "this token belongs to another device")
        }
        guard body.held.count <= 1000, body.results.count <= 1000, body.held.allSatisfy(Self.isFingerprint),
            body.results.allSatisfy({ Self.isFingerprint($0.fingerprint) })
        else { throw APIError.badRequest("held and results take at most 1000 SHA-256 fingerprints (64 hex digits) each") }

        let now = Date()
        let snapshot = try await material.snapshot(now: Date())
        let (response, report) = DeviceSync.answer(
            body, deviceID: device.id, deliveries: state.deliveries, previouslyHeld: Set(state.held), snapshot: snapshot, now: now,
            nextSync: Self.jittered(snapshot.syncPeriod), host: RequestHost.name(request))
        try await writer.record(report)
        if let walk = body.walked, (0...(1 << 40)).contains(walk.from), walk.to > walk.from, walk.to <= 1 << 40 {
            try await context.store.recordHandoverWalk(deviceID: device.id, from: walk.from, to: walk.to, actor: AuditActor("device:\(device.id)"))
        }
        return response
    }

    /// Device answers use the protocol's own encoder (ISO 8601 dates), not the server's default.
    static func json(_ value: some Encodable) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try DeviceProtocol.encoder().encode(value))))
    }

    /// Reads a device body up to the protocol's limit: larger is 413, unreadable JSON is 400 with the reason.
    private func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: DeviceProtocol.maximumBodySize) } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "body-too-large", "a device body is at most \(DeviceProtocol.maximumBodySize / 1024) KB")
        }
        do {
            try StrictJSON.validate(buffer.readableBytesView)
            return try DeviceProtocol.decoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError(.badRequest, "malformed-body", "the body is not a valid \(T.self): \(error)")
        }
    }

    static func jittered(_ period: Int) -> Int {
        var generator = SystemRandomNumberGenerator()
        return DeviceSync.jittered(period, using: &generator)
    }

    static func isFingerprint(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }
    }
}
