import Crypto
import Foundation
import Hummingbird
import RolloverCore
import RolloverPKI
import RolloverService
import RolloverStore
import SwiftASN1

/// General → Certificates: the list with states, and a certificate's page (subject, SANs, chain, fingerprints,
/// history) with what can be done with it: start a rollover, activate now.
extension Console {
    struct CertificateRow: Sendable {
        var id: Int64
        var state: String
        var source: String
        var subject: String
        var sans: String
        var hostName: String
        var notAfter: ConsoleFormat.Time?
        var daysLeft: Int
        var level: String
        var activatable: Bool

        init(_ summary: CertificateSummary, notAfter: Date) {
            id = summary.id
            state = summary.state
            source = summary.source
            subject = summary.subject
            sans = summary.sans.joined(separator: ", ")
            hostName = summary.hostName ?? "default"
            self.notAfter = ConsoleFormat.time(notAfter)
            daysLeft = summary.daysLeft
            level = ConsoleFormat.expiryLevel(daysLeft: summary.daysLeft)
            activatable = summary.state == CertificateState.staged.rawValue
        }
    }

    struct CertificateList: Sendable {
        var certificates: [CertificateRow]
    }

    struct CertificateDetail: Sendable {
        struct ChainEntry: Sendable {
            var position: Int
            var subject: String
            var issuer: String
            var notAfter: ConsoleFormat.Time?
            var sha256: String
        }
        struct Event: Sendable {
            var at: ConsoleFormat.Time?
            var actor: String
            var action: String
            var detail: String
        }
        struct RolloverLink: Sendable {
            var id: Int64
            var preset: String
            var state: String
            var created: ConsoleFormat.Time?
        }
        struct Preset: Sendable {
            var value: String
            var label: String
            var selected: Bool
        }
        var certificate: CertificateRow
        var issuer: String
        var notBefore: ConsoleFormat.Time?
        var sha256: String
        var sha1: String
        var keyType: String
        var chain: [ChainEntry]
        var rollovers: [RolloverLink]
        var history: [Event]
        var presets: [Preset]
        var canStart: Bool
    }

    func registerCertificates(on pages: RouterGroup<AdminRequestContext>) {
        pages.get("certificates") { _, context in
            let rows = try await store.certificates(in: nil).filter { $0.source != .authority }.sorted { $0.id > $1.id }
                .map { CertificateRow(CertificateSummary($0), notAfter: $0.notAfter) }
            return try await page("certificates", title: "Certificates", section: .certificates, CertificateList(certificates: rows), context)
        }
        pages.get("certificates/{id}") { _, context in
            let id = try context.parameters.require("id", as: RecordID.self).value
            return try await page("certificate", title: "Certificate #\(id)", section: .certificates, try await certificateDetail(id), context)
        }
        pages.post("certificates/{id}/activate") { _, context in
            let id = try context.parameters.require("id", as: RecordID.self).value
            let form = try form(context)
            do {
                let activated = try await api.activate(form["confirm"] == "true", id: id, actor: actor(context))
                let risk = activated.devicesAtRisk > 0 ? " \(activated.devicesAtRisk) active device(s) had not confirmed it." : ""
                return await redirect("/console/certificates/\(id)", notice: "Certificate #\(id) is live.\(risk)", context)
            } catch let refusal as APIError where refusal.code == "confirmation-required" {
                return try await page("confirm", title: "Activate certificate #\(id)?", section: .certificates,
                                      ConfirmationPage(refusal, action: "/console/certificates/\(id)/activate",
                                                       alternative: "/console/certificates/\(id)"), context, status: .conflict)
            }
        }
    }

    func certificateDetail(_ id: Int64) async throws -> CertificateDetail {
        guard let stored = try await store.certificate(id: id) else { throw APIError.notFound("no certificate \(id)") }
        let summary = CertificateSummary(stored)
        let parsed = ParsedCertificate.parse(der: stored.der)
        // The stored chain may or may not begin with the certificate itself; the page always starts from it.
        var chainDERs = ((try? PEMDocument.parseMultiple(pemString: stored.chainPEM)) ?? []).map(\.derBytes)
        if chainDERs.first != stored.der { chainDERs.insert(stored.der, at: 0) }
        let chain = chainDERs.enumerated().compactMap { index, der -> CertificateDetail.ChainEntry? in
            guard let certificate = ParsedCertificate.parse(der: der) else { return nil }
            return .init(position: index, subject: certificate.subject.description, issuer: certificate.issuer.description,
                         notAfter: ConsoleFormat.time(certificate.notAfter), sha256: certificate.sha256Fingerprint)
        }
        let rollovers = try await store.rollovers().filter { $0.certificateID == id }.map {
            CertificateDetail.RolloverLink(id: $0.id, preset: $0.preset, state: $0.state.rawValue, created: ConsoleFormat.time($0.createdAt))
        }
        let history = try await store.auditHistory(subjectKind: "certificate", subjectID: id, limit: 50).map {
            CertificateDetail.Event(at: ConsoleFormat.time($0.at), actor: $0.actor, action: $0.action, detail: $0.detail ?? "")
        }
        let presets = RolloverPreset.allCases.filter { ![.trust, .autoReissue, .addressChange].contains($0) }.map {
            CertificateDetail.Preset(value: $0.rawValue, label: Self.presetLabel($0), selected: $0 == .distributeFirst)
        }
        return CertificateDetail(
            certificate: CertificateRow(summary, notAfter: stored.notAfter), issuer: parsed?.issuer.description ?? "",
            notBefore: ConsoleFormat.time(stored.notBefore), sha256: stored.sha256,
            sha1: Insecure.SHA1.hash(data: stored.der).hexEncoded, keyType: parsed?.keyAlgorithm.map { "\($0.keyType.uppercased()) \($0.bits) bits" } ?? "",
            chain: chain, rollovers: rollovers, history: history, presets: presets,
            canStart: stored.state == .staged && !rollovers.contains { $0.state == RolloverRecord.State.open.rawValue })
    }

    static func presetLabel(_ preset: RolloverPreset) -> String {
        switch preset {
        case .distributeFirst: "Distribute first: hand the trust to devices, switch when they are ready (recommended)"
        case .proceedNow: "Proceed now: switch immediately"
        case .reserve: "Reserve: hand the certificate to devices, switch after N days"
        case .autoReissue: "Automatic reissue"
        case .addressChange: "Address change"
        case .trust: "Trust material only"
        }
    }
}

/// A refusal that asks the administrator to confirm (devices would lose the connection), with the devices named.
struct ConfirmationPage: Sendable {
    struct Device: Sendable {
        var id: Int64
        var name: String
        var platform: String
        var lastSeen: String
    }
    var message: String
    var devicesAtRisk: Int
    var devices: [Device]
    var action: String
    var alternative: String
    /// Fields to send again with the confirmation.
    var fields: [Field]

    struct Field: Sendable {
        var name: String
        var value: String
    }

    init(_ refusal: APIError, action: String, alternative: String, fields: [String: String] = [:]) {
        message = refusal.message
        devicesAtRisk = refusal.details["devicesAtRisk"] ?? 0
        devices = refusal.devices.map { Device(id: $0.id, name: $0.name, platform: $0.platform, lastSeen: $0.lastSeenAt ?? "never") }
        self.action = action
        self.alternative = alternative
        self.fields = fields.sorted { $0.key < $1.key }.map { Field(name: $0.key, value: $0.value) }
    }
}
