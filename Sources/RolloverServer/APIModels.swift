import Foundation
import Hummingbird
import RolloverCore
import RolloverPKI
import RolloverStore

/// A certificate as the admin API lists it.
struct CertificateSummary: ResponseEncodable, Decodable, Equatable {
    var id: Int64
    var state: String
    var source: String
    var subject: String
    var sans: [String]
    var notBefore: String
    var notAfter: String
    var daysLeft: Int
    var sha256: String
    var hostName: String?

    init(_ certificate: StoredCertificate, now: Date = Date()) {
        id = certificate.id
        state = certificate.state.rawValue
        source = certificate.fromSigningRequest ? "csr" : certificate.source.rawValue
        subject = certificate.subject
        sans = ParsedCertificate.parse(der: certificate.der)?.subjectAlternativeNameTexts ?? []
        notBefore = ISO8601DateFormatter().string(from: certificate.notBefore)
        notAfter = ISO8601DateFormatter().string(from: certificate.notAfter)
        daysLeft = Int((certificate.notAfter.timeIntervalSince(now) / 86_400).rounded(.down))
        sha256 = certificate.sha256
        hostName = certificate.hostName
    }
}

/// Files sent for inspection or import, as JSON (base64 contents) or multipart form data: one password for all,
/// optional addresses to check (the server's connection addresses by default).
struct UploadRequest: Decodable, Sendable {
    struct File: Decodable, Sendable {
        var name: String
        var content: String
    }
    var files: [File]
    var password: String?
    var addresses: [String]?
    /// The SNI host name the certificate serves; absent for the default certificate.
    var hostName: String?
}

/// Reissue from the server's CA: keep the connection addresses or change them, activate now or stage.
struct ReissueRequest: Decodable {
    var addresses: [String]?
    var hostName: String?
    /// Activate immediately (proceed now; `confirm` when devices would lose the connection).
    var activate: Bool?
    var confirm: Bool?
    /// Activate after this many days: the certificate is distributed as a reserve first.
    var delayDays: Double?
}

struct ImportResponse: ResponseEncodable {
    var certificate: CertificateSummary?
    var report: InspectionReportJSON
}

struct ActivationResponse: ResponseEncodable {
    var certificate: CertificateSummary
    /// Enrolled devices that had not confirmed the trust material when the administrator confirmed the switch.
    var devicesAtRisk: Int
}

struct TokenCreated: ResponseEncodable {
    var name: String
    /// Shown once; only its hash is kept.
    var token: String
}

struct TokenSummary: ResponseEncodable {
    var name: String
    var createdAt: String
    var revokedAt: String?
}

/// A page of the audit log, newest first; `next` is the `before` of the following page, null on the last one.
struct AuditPage: ResponseEncodable {
    var entries: [AuditEntry]
    var next: Int64?

    private enum CodingKeys: String, CodingKey { case entries, next }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entries, forKey: .entries)
        try container.encode(next, forKey: .next)  // null, not absent, on the last page
    }
}

/// A changed setting: `{key: value}`, with `warnings` only when there are some.
struct SettingChanged: ResponseEncodable {
    var key: String
    var value: String
    var warnings: [String]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(value, forKey: Key(stringValue: key))
        if !warnings.isEmpty { try container.encode(warnings, forKey: Key(stringValue: "warnings")) }
    }
}

struct Health: ResponseEncodable {
    var status: String
    var activeCertificates: Int
}

extension InspectionReportJSON: ResponseEncodable {}
extension AuditEntry: ResponseEncodable {}
