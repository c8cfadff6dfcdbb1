import Foundation
import Hummingbird
import RolloverCore
import RolloverStore

/// Dates in admin answers are ISO 8601 strings, as everywhere else in the admin API.
/// An API time: ISO 8601, absent when there is none.
/// ISO 8601 in UTC to the second. A format style, not a new `ISO8601DateFormatter` per date: a page of 100
/// devices formats hundreds of dates, and making formatters was most of its time.
func iso(_ date: Date?) -> String? { date?.formatted(.iso8601) }

struct DeviceSummary: ResponseEncodable {
    var id: Int64
    var name: String
    var platform: String
    var agentVersion: String?
    var enrolledAt: String?
    var lastSeenAt: String?
    var retiredAt: String?
    /// The handover record its trust state was at when it last synced.
    var handoverSequence: Int?

    init(_ device: DeviceRecord) {
        handoverSequence = device.handoverSequence
        id = device.id
        name = device.name
        platform = device.platform.rawValue
        agentVersion = device.agentVersion
        enrolledAt = iso(device.enrolledAt)
        lastSeenAt = iso(device.lastSeenAt)
        retiredAt = iso(device.retiredAt)
    }
}

struct DevicePage: ResponseEncodable {
    var devices: [DeviceSummary]
    /// Pass as `after` for the next page; absent on the last page.
    var next: Int64?
}

struct DeviceDetail: ResponseEncodable {
    struct Held: Encodable {
        var sha256: String
        /// What the trust material calls it; absent when the server no longer knows the certificate.
        var role: String?
        var subject: String?
        var inMaterial: Bool
    }
    struct Delivery: Encodable {
        var rolloverID: Int64
        var state: String
        var reason: String?
        var attempts: Int
        var updatedAt: String?
    }
    var device: DeviceSummary
    var trustStore: [Held]
    var deliveries: [Delivery]

    init(device: DeviceRecord, held: [String], artifacts: [TrustArtifactRecord], deliveries: [DeviceDelivery]) {
        self.device = DeviceSummary(device)
        let known = Dictionary(artifacts.map { ($0.sha256, $0) }, uniquingKeysWith: { older, newer in newer.withdrawnAt == nil ? newer : older })
        trustStore = held.map { sha256 in
            let artifact = known[sha256]
            return Held(sha256: sha256, role: artifact?.role.rawValue, subject: artifact?.subject, inMaterial: artifact?.withdrawnAt == nil && artifact != nil)
        }
        self.deliveries = deliveries.map {
            Delivery(rolloverID: $0.rolloverID, state: $0.state.description, reason: $0.reason, attempts: $0.attempts, updatedAt: iso($0.updatedAt))
        }
    }
}

struct EnrollmentSecretSummary: ResponseEncodable {
    var name: String
    var createdAt: String?
    var expiresAt: String?
    var revokedAt: String?
    /// How many devices may enroll with it (absent: no limit), and how many have.
    var maxUses: Int?
    var uses: Int

    init(_ record: EnrollmentSecretRecord) {
        name = record.name
        createdAt = iso(record.createdAt)
        expiresAt = iso(record.expiresAt)
        revokedAt = iso(record.revokedAt)
        maxUses = record.maxUses
        uses = record.uses
    }
}

struct EnrollmentSecretCreated: ResponseEncodable {
    var name: String
    /// Shown once; only its hash is kept.
    var secret: String
    var expiresAt: String?
    /// The anchors a device verifies the server with on its first connection (the server's own CA and any
    /// other standing anchors), for `rollover agent --enroll-secret-file`.
    var anchors: [TrustItem]
    /// The pinned certificates of the current trust state.
    var pins: [TrustItem]
    /// The default host's newest handover record: an agent enrolling after later switches walks the records after it.
    var handoverSequence: Int
}

struct TrustArtifactSummary: ResponseEncodable {
    var sha256: String
    var role: String
    var subject: String
    var notAfter: String?
    var rolloverID: Int64?
    var addedAt: String?
    var withdrawnAt: String?

    init(_ artifact: TrustArtifactRecord) {
        sha256 = artifact.sha256
        role = artifact.role.rawValue
        subject = artifact.subject
        notAfter = iso(artifact.notAfter)
        rolloverID = artifact.rolloverID
        addedAt = iso(artifact.addedAt)
        withdrawnAt = iso(artifact.withdrawnAt)
    }
}

struct RetryAnswer: ResponseEncodable {
    var retried: Int
}

struct ExportedTrust: ResponseEncodable {
    struct File: Encodable {
        var name: String
        /// Base64 of the file's bytes.
        var content: String
    }
    var format: String
    var files: [File]
}

extension TrustItem: ResponseEncodable {}
