import Foundation
import Hummingbird
import RolloverCore
import RolloverPKI
import RolloverService
import RolloverStore
import SwiftASN1
import X509

/// The admin routes for devices: enrollment secrets, the trust material, devices and their deliveries, retries,
/// and the trust material exported for devices that run no agent.
struct AdminDeviceAPI: Sendable {
    let context: ServiceContext
    let material: TrustMaterial

    func register(on admin: RouterGroup<AdminRequestContext>) {
        admin.get("enrollment-secrets") { _, _ in try await context.store.enrollmentSecrets().map(EnrollmentSecretSummary.init) }
        admin.post("enrollment-secrets") { request, requestContext in
            struct NewSecret: Decodable {
                var name: String
                var expiresAt: Date?
                var maxUses: Int?
            }
            let body = try await request.decode(as: NewSecret.self, context: requestContext)
            return try await createEnrollmentSecret(name: body.name, expiresAt: body.expiresAt, maxUses: body.maxUses, actor: requestContext.requireActor())
        }
        admin.delete("enrollment-secrets/{name}") { _, requestContext in
            try await context.store.revokeEnrollmentSecret(name: requestContext.parameters.require("name"), actor: try requestContext.requireActor())
            return Response(status: .noContent)
        }

        admin.get("trust") { request, _ in
            try await context.store.trustArtifacts(includeWithdrawn: request.uri.queryParameters.get("withdrawn") == "true")
                .map(TrustArtifactSummary.init)
        }
        admin.post("trust") { request, requestContext in
            struct NewArtifact: Decodable {
                var pem: String
                var role: TrustRole?
            }
            let body = try await request.decode(as: NewArtifact.self, context: requestContext)
            let certificates: [Certificate]
            do { certificates = try PEMDocument.parseMultiple(pemString: body.pem).map { try Certificate(derEncoded: $0.derBytes) } } catch {
                throw APIError(.badRequest, "invalid-certificate", "the PEM does not hold readable certificates: \(error)")
            }
            guard certificates.count == 1, let certificate = certificates.first else {
                throw APIError(.badRequest, "invalid-certificate", "send exactly one certificate per request (got \(certificates.count))")
            }
            guard certificate.notValidAfter > Date() else { throw APIError(.badRequest, "expired", "the certificate expired on \(certificate.notValidAfter)") }
            let der = try certificate.derBytes()
            let artifact = try await context.store.insertTrustArtifact(
                TrustArtifactRecord(sha256: ParsedCertificate.sha256Fingerprint(of: der), der: der, subject: certificate.subject.description,
                                    notAfter: certificate.notValidAfter, role: body.role ?? .anchor, addedAt: Date()),
                tracked: true, actor: try requestContext.requireActor())
            try await material.reload(now: Date())
            return TrustArtifactSummary(artifact)
        }
        admin.delete("trust/{sha256}") { _, requestContext in
            let sha256 = try requestContext.parameters.require("sha256").lowercased()
            guard try await !isServing(sha256) else {
                throw APIError(.conflict, "anchor-in-use", "the active server certificate is trusted through this certificate; withdrawing it would cut devices off")
            }
            try await context.store.withdrawTrustArtifact(sha256: sha256, at: Date(), actor: try requestContext.requireActor())
            try await material.reload(now: Date())
            return Response(status: .noContent)
        }
        admin.get("trust/export") { request, _ in
            let name = request.uri.queryParameters.get("format") ?? "pem"
            guard let format = TrustExportFormat(rawValue: name) else {
                throw APIError.badRequest("format is one of \(TrustExportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let anchors = try await context.store.trustArtifacts(includeWithdrawn: false).filter { $0.role == .anchor }.map(\.der)
            let files = try TrustExport.export(anchors, format: format, profileIdentifier: "com.rollover.trust", organization: "Rollover")
            return ExportedTrust(format: name, files: files.map { .init(name: $0.name, content: Data($0.contents).base64EncodedString()) })
        }

        admin.get("devices") { request, _ in
            let query = request.uri.queryParameters
            var filter = DeviceFilter()
            filter.platform = try Self.platform(request)
            filter.seenBefore = try query.get("seenBefore").map(Self.date)
            filter.seenAfter = try query.get("seenAfter").map(Self.date)
            filter.rolloverID = query.get("rollover", as: RecordID.self)?.value
            filter.deliveryState = try Self.deliveryState(request)
            guard filter.deliveryState == nil || filter.rolloverID != nil else { throw APIError.badRequest("state needs rollover=") }
            filter.includeRetired = query.get("retired") == "true"
            let limit = min(max(query.get("limit", as: Int.self) ?? 100, 1), 1000)
            let devices = try await context.store.devices(matching: filter, afterID: query.get("after", as: RecordID.self)?.value, limit: limit)
            return DevicePage(devices: devices.map(DeviceSummary.init), next: devices.count == limit ? devices.last?.id : nil)
        }
        admin.get("devices/{id}") { _, requestContext in
            let id = try requestContext.parameters.require("id", as: RecordID.self).value
            guard let device = try await context.store.device(id: id) else { throw APIError.notFound("no device \(id)") }
            return DeviceDetail(device: device, held: try await context.store.deviceTrust(deviceID: id),
                                artifacts: try await context.store.trustArtifacts(includeWithdrawn: true),
                                deliveries: try await context.store.deviceDeliveries(deviceID: id))
        }
        admin.post("devices/{id}/retire") { _, requestContext in
            let id = try requestContext.parameters.require("id", as: RecordID.self).value
            try await context.store.retireDevice(id: id, actor: try requestContext.requireActor())
            guard let device = try await context.store.device(id: id) else { throw APIError.notFound("no device \(id)") }
            return DeviceSummary(device)
        }
        admin.post("devices/{id}/retry") { _, requestContext in
            let id = try requestContext.parameters.require("id", as: RecordID.self).value
            guard try await context.store.device(id: id) != nil else { throw APIError.notFound("no device \(id)") }
            return RetryAnswer(retried: try await context.store.retryFailedDeliveries(rolloverID: nil, deviceID: id, at: Date(), actor: try requestContext.requireActor()))
        }
    }

    /// A new enrollment secret, shown once with the anchors a device needs to trust the server on its first sync.
    /// The longest an enrollment secret may stay usable: ten years.
    static let longestSecretLife: TimeInterval = 3650 * 86_400
    /// A secret made without an expiry expires after 30 days: a secret copied off a device must not enroll fake
    /// devices for ever.
    static let defaultSecretLife: TimeInterval = 30 * 86_400

    /// The most devices one secret may be limited to.
    static let largestMaxUses = 10_000_000

    func createEnrollmentSecret(name: String, expiresAt requested: Date?, maxUses: Int? = nil, actor: AuditActor) async throws -> EnrollmentSecretCreated {
        if let maxUses, !(1...Self.largestMaxUses).contains(maxUses) {
            throw APIError.badRequest("maxUses is a whole number from 1 to \(Self.largestMaxUses)")
        }
        let expiresAt = requested ?? Date().addingTimeInterval(Self.defaultSecretLife)
        if expiresAt <= Date() { throw APIError.badRequest("expiresAt is in the past") }
        if expiresAt.timeIntervalSinceNow > Self.longestSecretLife {
            throw APIError.badRequest("expiresAt is at most 10 years from now")
        }
        let (secret, hash) = AdminTokens.generate(prefix: "enroll_")
        _ = try await context.store.insertEnrollmentSecret(name: name, secretSHA256: hash, expiresAt: expiresAt, maxUses: maxUses, actor: actor)
        // The whole current state, not only the standing anchors: a device must verify the certificate served now (an
        // enterprise one, a pinned leaf) and, once it is replaced, the handover records its key signs.
        let snapshot = try await material.reload(now: Date())
        let current = snapshot.items.map(\.item)
        return EnrollmentSecretCreated(name: name, secret: secret, expiresAt: ISO8601DateFormatter().string(from: expiresAt),
                                       anchors: current.filter { $0.role == .anchor }, pins: current.filter { $0.role == .pin },
                                       handoverSequence: snapshot.handoverPosition(host: nil).sequence)
    }

    /// Whether an active served certificate is trusted through this fingerprint (its leaf, chain or our CA root).
    private func isServing(_ sha256: String) async throws -> Bool {
        for certificate in try await context.store.certificates(in: .active) where certificate.source != .authority {
            if try await TrustMaterial.fingerprints(trusting: certificate, store: context.store).contains(sha256) { return true }
        }
        return false
    }

    /// `platform=`, checked.
    static func platform(_ request: Request) throws -> DevicePlatform? {
        // An empty value (a form's "any" choice) is no filter.
        guard let platform = request.uri.queryParameters.get("platform"), !platform.isEmpty else { return nil }
        guard let known = DevicePlatform(rawValue: platform) else {
            throw APIError.badRequest("platform is one of \(DevicePlatform.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return known
    }

    /// `state=` (a delivery state), checked.
    static func deliveryState(_ request: Request) throws -> DeliveryState? {
        guard let state = request.uri.queryParameters.get("state"), !state.isEmpty else { return nil }
        guard let known = DeliveryState.allCases.first(where: { $0.description == state }) else {
            throw APIError.badRequest("state is one of \(DeliveryState.allCases.map(\.description).joined(separator: ", "))")
        }
        return known
    }

    static func date(_ text: String) throws -> Date {
        guard let date = ISO8601DateFormatter().date(from: text) else { throw APIError.badRequest("\(text) is not an ISO 8601 time") }
        return date
    }
}

extension Certificate {
    func derBytes() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(self)
        return serializer.serializedBytes
    }
}
