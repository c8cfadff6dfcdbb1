import Foundation
import RolloverCore

/// What `rollover simulate` runs: the fleet, its behaviours, the scenario and the seed.
///
/// Fractions pick each device's behaviour once, at the start; they must add up to at most 1 (the rest behave
/// normally: online, syncing every period, installing what they are sent).
public struct SimulationOptions: Sendable, Hashable, Codable {
    /// Which change of the server certificate the run makes (see `Scenario` cases).
    public enum Scenario: String, Sendable, Hashable, Codable, CaseIterable {
        /// A certificate from a new enterprise root, distributed first, activated when every active device is ready.
        case distributeFirst = "distribute-first"
        /// A reissue from the server's own CA handed out as a reserve, activating after `reserveDelay`.
        case reserve
        /// The same enterprise certificate as distribute-first, switched at once (confirmed past the refusal).
        case proceedNow = "proceed-now"
        /// Nothing started by hand: the lifecycle reissues the short-lived live certificate itself.
        case autoReissue = "auto-reissue"
        /// A reissue for a new connection address, handed out as a reserve with the new address.
        case addressChange = "address-change"
        /// Three distribute-first rollovers `chainStageInterval` apart, each one a handover devices cannot verify with
        /// what they held before: to a new enterprise root, to a pinned self-signed leaf, then to a second new
        /// enterprise root. Away devices miss all three and must walk the whole chain.
        case chain
    }

    /// The chain scenario's stages start this far apart (a stage waits while the one before is still open).
    public static let chainStageInterval: TimeInterval = 20 * 86_400

    /// Where a device enrolling during the run gets the anchors for its first connection.
    public enum EnrollmentAnchors: String, Sendable, Hashable, Codable, CaseIterable {
        /// One enrollment file written when the simulation starts (the fleet's provisioning file), never renewed.
        case atStart = "start"
        /// A fresh enrollment file for each device, holding the standing anchors at its enrollment time.
        case current
    }

    public var devices = 1000
    /// The length of the simulated period, in days from the start (the warm-up included).
    public var days: Double = 30
    /// `sync-period-seconds`: how often devices sync (jittered ±10% by the server, as in production).
    public var syncPeriod: TimeInterval = 3600
    /// Devices that enrolled and never sync again: stragglers.
    public var offlineFraction = 0.02
    /// Devices that go dark once, for `darkDays`, starting at a random time of the run.
    public var darkFraction = 0.05
    public var darkDays: Double = 10
    /// Devices whose every install fails ("simulated install failure"), as an agent whose trust store cannot be written.
    public var failingFraction = 0.0
    /// Devices that enroll at a random time during the run instead of at the start.
    public var lateEnrollFraction = 0.02
    /// Devices that stop syncing one day before the scenario starts and come back `awayDays` later (a laptop on
    /// leave, a kiosk switched off for the holidays): they miss whole rollovers and must walk the handover chain.
    public var awayFraction = 0.05
    public var awayDays: Double = 60
    /// Devices, drawn apart from the behaviours, that cannot walk handover records (managed by profiles, without
    /// the agent): what a change devices cannot verify costs them stays visible.
    public var legacyFraction = 0.0
    public var scenario: Scenario = .distributeFirst
    /// `reserve` and `address-change`: the activation delay ("after N days").
    public var reserveDelay: TimeInterval = 14 * 86_400
    /// The time between the start (the fleet enrolled) and the scenario's change; nil: one day, or two sync periods
    /// when that is longer, so every online device has synced before.
    public var warmUp: TimeInterval?
    public var enrollmentAnchors: EnrollmentAnchors = .atStart
    /// Server settings to set before the run (checked with `ServerSettings.problem`), e.g. `deadline-policy=activate`.
    public var settings: [String: String] = [:]
    public var seed: UInt64 = 1
    /// Reuse the outcome of a device step for devices in exactly the same situation (see `DeviceStepCache`).
    /// Off, every sync runs evaluation, answer and agent core again; the report must not change.
    public var memoize = true
    /// A data folder to keep (nil: a temporary one, removed afterwards).
    public var dataFolder: String?
    /// A PostgreSQL URL instead of SQLite in the data folder.
    public var databaseURL: String?

    public init() {}

    /// The warm-up actually used.
    public var effectiveWarmUp: TimeInterval { warmUp ?? max(86_400, 2 * syncPeriod) }

    public var duration: TimeInterval { days * 86_400 }

    /// Why these options cannot run, or nil.
    public var problem: String? {
        if devices < 1 || devices > DeviceSlot.maximum { return "--devices is 1 to \(DeviceSlot.maximum)" }
        if !(days > 0) || days > 3650 { return "--days is more than 0 and at most 3650" }
        if !(syncPeriod >= 60) { return "--sync-period is at least 1m" }
        if syncPeriod.rounded() != syncPeriod { return "--sync-period is a whole number of seconds" }
        for (name, value) in [("--offline-fraction", offlineFraction), ("--dark-fraction", darkFraction),
                              ("--failing-fraction", failingFraction), ("--late-enroll-fraction", lateEnrollFraction),
                              ("--away-fraction", awayFraction), ("--legacy-fraction", legacyFraction)]
        where !(0...1).contains(value) {
            return "\(name) is between 0 and 1"
        }
        if offlineFraction + darkFraction + failingFraction + lateEnrollFraction + awayFraction > 1 + 1e-9 {
            return "the behaviour fractions add up to more than 1"
        }
        if darkFraction > 0, !(darkDays > 0) || darkDays > 3650 { return "--dark-days is more than 0 and at most 3650" }
        if awayFraction > 0, !(awayDays > 0) || awayDays > 3650 { return "--away-days is more than 0 and at most 3650" }
        if !(reserveDelay > 0) { return "--reserve-days is more than 0" }
        if let warmUp, !(warmUp >= 0) || warmUp >= duration { return "the warm-up must end within the simulated days" }
        if effectiveWarmUp >= duration { return "--days must be longer than the warm-up (\(SettingDuration.format(effectiveWarmUp)))" }
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            if key == "sync-period-seconds" { return "set the sync period with --sync-period" }
            if let problem = ServerSettings.problem(key, value) { return problem }
        }
        return nil
    }
}

/// A device's place in the simulation's arrays.
public enum DeviceSlot {
    /// Event keys pack the device index in 24 bits.
    public static let maximum = (1 << 24) - 2
}
