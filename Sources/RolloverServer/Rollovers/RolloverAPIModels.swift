import Foundation
import Hummingbird
import RolloverCore
import RolloverService
import RolloverStore

/// `POST /api/v1/admin/rollovers`: start a rollover for a staged certificate.
struct StartRolloverRequest: Decodable {
    var certificateID: Int64
    /// A `RolloverPreset` raw value; `distribute-first` when absent.
    var preset: String?
    /// Reserve and address change: activate after this many days (fractions allowed).
    var delayDays: Double?
    /// Address change: the new connection addresses.
    var addresses: [String]?
    /// Proceed now although active devices would lose the connection.
    var confirm: Bool?
}

struct RolloverSummary: ResponseEncodable {
    var id: Int64
    var preset: String
    var state: String
    var certificateID: Int64?
    var hostName: String?
    var createdAt: String?
    /// The next readiness check, or the activation instant.
    var checkAt: String?
    var deadline: String?
    var extensions: Int
    var heldAt: String?
    var completedAt: String?
    var addresses: [String]?
    var deliveries: [String: Int]

    init(_ rollover: RolloverRecord, counts: [DeliveryState: Int]) {
        id = rollover.id
        preset = rollover.preset
        state = rollover.state.rawValue
        certificateID = rollover.certificateID
        hostName = rollover.hostName
        createdAt = iso(rollover.createdAt)
        checkAt = iso(rollover.checkAt)
        deadline = iso(rollover.deadline)
        extensions = rollover.extensions
        heldAt = iso(rollover.heldAt)
        completedAt = iso(rollover.completedAt)
        addresses = rollover.addresses
        deliveries = Dictionary(uniqueKeysWithValues: counts.map { ($0.key.description, $0.value) })
    }
}

struct StartedRollover: ResponseEncodable {
    var rollover: RolloverSummary
    var warnings: [String]
    /// Set when it switched at once (proceed now).
    var activated: Bool
    /// Proceed now: active devices that held no trust for the new certificate when the switch was confirmed.
    var devicesAtRisk: Int
}

/// A reissue: the new certificate and, when it was given a delay, the rollover that distributes it as a reserve.
struct ReissueResponse: ResponseEncodable {
    var certificate: CertificateSummary
    var rollover: RolloverSummary?
    var warnings: [String]
}

/// "View details": counts, readiness now, the projected activation.
struct RolloverDetails: ResponseEncodable {
    var rollover: RolloverSummary
    var readiness: Readiness
    var readinessThresholdPercent: Int
    var readinessHolds: Bool
    /// When it activates if readiness stays as it is; absent when it would be extended and then held.
    var projectedActivation: String?
    /// Where its host's handover chain stands, and how many devices report a state before the newest record (they
    /// will walk the records when they next connect).
    var handover: HandoverStanding
}

struct HandoverStanding: Encodable, Sendable {
    var host: String
    var latest: Int
    var devicesBehind: Int

    /// For people (the console's View Details).
    var summary: String {
        let chain = host.isEmpty ? "the default certificate's chain" : "the chain of \(host)"
        guard latest > 0 else { return "no handover record in \(chain) yet: every switch so far was one devices could verify with what they held" }
        return "\(chain) is at record \(latest); \(devicesBehind) device(s) hold an older state (or none reported) and walk the records when they next connect"
    }
}

struct DeliveryRowSummary: ResponseEncodable {
    var deviceID: Int64
    var name: String
    var platform: String
    var lastSeenAt: String?
    var state: String
    var attempts: Int
    var reason: String?
    var updatedAt: String?

    init(_ row: DeliveryRow) {
        deviceID = row.deviceID
        name = row.deviceName
        platform = row.platform.rawValue
        lastSeenAt = iso(row.lastSeenAt)
        state = row.state.description
        attempts = row.attempts
        reason = row.reason
        updatedAt = iso(row.updatedAt)
    }
}

struct DeliveryPage: ResponseEncodable {
    var devices: [DeliveryRowSummary]
    /// Pass as `after` for the next page; absent on the last page.
    var next: Int64?
}

struct AlertSummary: ResponseEncodable {
    var id: Int64
    var at: String?
    var key: String
    var severity: String
    var code: String
    var message: String
    var certificateID: Int64?
    var rolloverID: Int64?

    init(_ record: AlertRecord) {
        id = record.id
        at = iso(record.at)
        key = record.alert.key
        severity = record.alert.severity.rawValue
        code = record.alert.code
        message = record.alert.message
        certificateID = record.alert.certificateID
        rolloverID = record.alert.rolloverID
    }
}

struct AlertPage: ResponseEncodable {
    var alerts: [AlertSummary]
}

extension Readiness: ResponseEncodable {}
