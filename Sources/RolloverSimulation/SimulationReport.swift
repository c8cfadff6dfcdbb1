import Foundation
import RolloverCore

/// What a simulation found. Times are days since the simulation's start (the fleet enrolled at day 0; the scenario
/// starts at `scenarioStartDay`), so two runs with the same options and seed give equal reports whatever the wall
/// clock said; only `startedAt` and `performance` differ (see `withoutRunSpecifics`).
public struct SimulationReport: Sendable, Codable, Hashable {
    public var scenario: String
    public var seed: UInt64
    public var devices: Int
    public var days: Double
    public var syncPeriodSeconds: Int
    public var warmUpDays: Double
    public var scenarioStartDay: Double
    /// When the certificate live at the start expires.
    public var initialExpiryDay: Double
    /// Settings set before the run (the sync period included).
    public var settings: [String: String]
    /// The virtual start: the real time the run began, rounded down to a second.
    public var startedAt: Date?
    public var fleet: [String: Int]

    /// The scenario's rollover (the chain's last).
    public var rollover: RolloverOutcome?
    /// Every rollover the scenario started, in order.
    public var rollovers: [RolloverOutcome]
    /// Proceed now: how many active devices the refusal without confirmation named at risk.
    public var proceedNowDevicesAtRisk: Int?
    public var activations: [ActivationRecord]
    /// Alerts raised during the run, by code.
    public var alerts: [String: Int]
    /// The first 20 alerts, in order.
    public var alertExamples: [AlertExample]
    /// The scenario rollover's deliveries at the end, by state (from the store).
    public var deliveryCounts: [String: Int]

    /// Enrolled devices that could not connect at some time after an activation, whether they were active then or
    /// came back after a long absence (after walking the handover chain, if they could). The number the product
    /// exists to keep at zero.
    public var cutOff: DeviceGroup
    /// Devices that did not trust the server's certificate with what they held and caught up through the signed
    /// handover chain (away through whole rollovers, or enrolling from an old enrollment file).
    public var recovered: Recovered
    /// Enrolled devices, not cut off, that never synced from the scenario's start to the end.
    public var stragglers: Stragglers
    /// Devices enrolling during the run that could not verify the server with their enrollment file's anchors.
    public var enrollmentRefused: DeviceGroup
    /// Connections refused before any activation: always a fault of the simulation or the product.
    public var refusedBeforeActivation: Int
    public var syncs: Int
    public var refusedConnections: Int
    /// Differences between the simulator's mirror and the store (empty when they agree).
    public var consistency: [String]
    /// Every device at the end (JSON output only).
    public var devicesAtEnd: [DeviceAtEnd]
    public var performance: Performance?

    public struct RolloverOutcome: Sendable, Codable, Hashable {
        public var id: Int64
        public var preset: String
        public var certificateID: Int64?
        /// When the target certificate's validity starts (our CA starts it an hour before it issues).
        public var certificateValidFromDay: Double?
        public var createdDay: Double
        /// `activated`, `held`, `not activated` or `cancelled`.
        public var outcome: String
        public var detail: String
        public var activatedDay: Double?
        public var extensions: Int
        public var heldDay: Double?
        public var readinessAtActivation: Readiness?
        public var readinessAtEnd: Readiness?
        public var warnings: [String]
    }

    public struct ActivationRecord: Sendable, Codable, Hashable {
        public var day: Double
        public var rolloverID: Int64
        public var certificateID: Int64
        public var readiness: Readiness?
        /// Devices expected to stay connected at that moment (see `cutOff`).
        public var expectedDevices: Int
    }

    public struct AlertExample: Sendable, Codable, Hashable {
        public var day: Double
        public var code: String
        public var severity: String
        public var message: String
    }

    public struct DeviceExample: Sendable, Codable, Hashable {
        public var id: Int64?
        public var name: String
        public var behaviour: String
        public var day: Double
        public var reason: String
    }

    public struct DeviceGroup: Sendable, Codable, Hashable {
        public var count: Int
        /// Up to 20, earliest first.
        public var examples: [DeviceExample]
    }

    public struct Recovered: Sendable, Codable, Hashable {
        public var count: Int
        /// Handover records walked, all devices together.
        public var recordsWalked: Int
        /// Devices by how many records they walked in all ("1", "2", ...).
        public var byRecordsWalked: [String: Int]
        public var byBehaviour: [String: Int]
        /// Up to 20, earliest first (the reason says how many records).
        public var examples: [DeviceExample]
    }

    public struct Stragglers: Sendable, Codable, Hashable {
        public var count: Int
        public var ids: [Int64]
        public var byBehaviour: [String: Int]
        /// Would be refused if they connected at the end with what they hold, after walking the handover chain.
        public var refusedIfReturningAtEnd: Int
    }

    public struct DeviceAtEnd: Sendable, Codable, Hashable {
        public var id: Int64?
        public var name: String
        public var behaviour: String
        /// When it enrolled (nil: never, e.g. a late enroller refused by the server or due after the end).
        public var enrolledDay: Double?
        /// The connection address it uses at the end.
        public var host: String?
        public var lastSyncDay: Double?
        /// The scenario rollover's delivery state (nil: no delivery, e.g. not enrolled).
        public var deliveryState: String?
        /// How often the scenario rollover's material was sent to it.
        public var deliveryAttempts: Int?
        public var cutOffDay: Double?
        /// When it first caught up through handover records, and how many it walked in all.
        public var recoveredDay: Double?
        public var recordsWalked: Int
        /// It cannot walk handover records (`--legacy-fraction`).
        public var legacy: Bool
        public var straggler: Bool
    }

    public struct Performance: Sendable, Codable, Hashable {
        public var wallSeconds: Double
        public var syncsPerSecond: Double
        public var storeReportsWritten: Int
        public var stepCacheHits: Int
        public var stepCacheMisses: Int
        public var trustEvaluations: Int
        /// Wall seconds by phase: enrollment, lifecycle (the scenario's start and the ticks), store writes (the
        /// batched sync reports), and the report after the run; the rest of `wallSeconds` is the device loop.
        public var phases: [String: Double]
    }

    /// The report without what differs between two runs of the same options and seed: the start time, the
    /// performance figures, and in messages the certificates' fingerprints (their keys are random) and wall-clock
    /// times, replaced by `<sha256>` and `<time>`.
    public func withoutRunSpecifics() -> SimulationReport {
        var copy = self
        copy.startedAt = nil
        copy.performance = nil
        copy.cutOff.examples = cutOff.examples.map { var example = $0; example.reason = Self.neutral(example.reason); return example }
        copy.enrollmentRefused.examples = enrollmentRefused.examples.map { var example = $0; example.reason = Self.neutral(example.reason); return example }
        copy.alertExamples = alertExamples.map { var alert = $0; alert.message = Self.neutral(alert.message); return alert }
        copy.rollover?.warnings = rollover?.warnings.map(Self.neutral) ?? []
        copy.rollovers = rollovers.map { var outcome = $0; outcome.warnings = outcome.warnings.map(Self.neutral); return outcome }
        return copy
    }

    static func neutral(_ text: String) -> String {
        var result = text
        // Certificate subjects and serials are fixed; fingerprints and ISO 8601 instants are not.
        if let fingerprint = try? Regex("[0-9a-f]{64}") { result = result.replacing(fingerprint, with: "<sha256>") }
        if let instant = try? Regex("[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}( ?\\+0000|Z)?") { result = result.replacing(instant, with: "<time>") }
        return result
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
