import Foundation
import RolloverAgent
import RolloverCore

/// How a virtual device behaves for the whole run.
public enum DeviceBehaviour: String, Sendable, Hashable, Codable, CaseIterable {
    /// Online, syncs every period, installs what it is sent.
    case normal
    /// Enrolled at the start, never syncs again.
    case offline
    /// Goes dark once for `--dark-days` at a random time, then comes back.
    case dark
    /// Every install fails ("simulated install failure"), as an agent whose trust store cannot be written.
    case failing
    /// Enrolls at a random time during the run.
    case lateEnroll = "late-enroll"
    /// Stops syncing one day before the scenario starts and comes back `--away-days` later.
    case away
}

/// The virtual devices, as parallel arrays indexed by slot (0..<count): a 100,000-device fleet is a few megabytes
/// and no allocation per device. There are no tokens: nothing goes over HTTP, so the simulation calls what the
/// device API calls with the device's id directly.
///
/// Times are whole seconds since the simulation's start (`Int64`, -1 for "never"), because the store keeps whole
/// seconds: the in-memory mirror of what the store holds is then exact.
struct VirtualFleet {
    static let never: Int64 = -1

    let count: Int
    var behaviour: [DeviceBehaviour]
    var platform: [DevicePlatform]
    /// The store's device id; 0 until enrolled.
    var deviceID: [Int64]
    /// Interned `TrustStore` (see `Interned`); -1 until enrolled.
    var trust: [Int32]
    /// Interned install results not reported yet (the agent's `unreported`).
    var unreported: [Int32]
    /// Interned fingerprints the store records the device holding (`device_trust`), as of its last sync.
    var reportedHeld: [Int32]
    var enrollAt: [Int64]
    var darkStart: [Int64]
    var darkEnd: [Int64]
    var lastSuccess: [Int64]
    /// The first successful sync at or after the scenario's start.
    var firstSuccessInWindow: [Int64]
    /// Refused at a connection after an activation: cut off (whether it was active then or a straggler coming back).
    var cutOffAt: [Int64]
    var cutOffReason: [Int32]
    /// Cannot walk handover records (managed without the agent); drawn apart from the behaviour.
    var legacy: [Bool]
    /// The first time the device caught up through handover records, and how many records it walked in all.
    var recoveredAt: [Int64]
    var walkedRecords: [Int32]
    /// The handover sequence the store records for the device (-1: none reported yet).
    var reportedSequence: [Int]
    var refusedBeforeActivationAt: [Int64]
    var enrollmentRefusedAt: [Int64]
    var enrollmentRefusedReason: [Int32]
    /// At the latest activation: active (synced within the activity window) or synced since the scenario started.
    var expected: [Bool]

    init(count: Int) {
        self.count = count
        behaviour = Array(repeating: .normal, count: count)
        platform = Array(repeating: .linux, count: count)
        deviceID = Array(repeating: 0, count: count)
        trust = Array(repeating: -1, count: count)
        unreported = Array(repeating: 0, count: count)
        reportedHeld = Array(repeating: 0, count: count)
        enrollAt = Array(repeating: 0, count: count)
        darkStart = Array(repeating: Self.never, count: count)
        darkEnd = Array(repeating: Self.never, count: count)
        lastSuccess = Array(repeating: Self.never, count: count)
        firstSuccessInWindow = Array(repeating: Self.never, count: count)
        cutOffAt = Array(repeating: Self.never, count: count)
        cutOffReason = Array(repeating: -1, count: count)
        legacy = Array(repeating: false, count: count)
        recoveredAt = Array(repeating: Self.never, count: count)
        walkedRecords = Array(repeating: 0, count: count)
        reportedSequence = Array(repeating: -1, count: count)
        refusedBeforeActivationAt = Array(repeating: Self.never, count: count)
        enrollmentRefusedAt = Array(repeating: Self.never, count: count)
        enrollmentRefusedReason = Array(repeating: -1, count: count)
        expected = Array(repeating: false, count: count)
    }

    func name(_ slot: Int) -> String { "sim-\(slot + 1)" }

    func isDark(_ slot: Int, at time: Int64) -> Bool { time >= darkStart[slot] && time < darkEnd[slot] }

    /// Draws every device's behaviour, platform and times from the seed, in slot order. Legacy devices come from
    /// a generator of their own, so that asking for some leaves every other draw of the seed as it was.
    static func draw(_ options: SimulationOptions, random: inout SimulationRandom) -> VirtualFleet {
        var fleet = VirtualFleet(count: options.devices)
        let duration = options.duration
        let thresholds: [(Double, DeviceBehaviour)] = [
            (options.offlineFraction, .offline), (options.darkFraction, .dark), (options.failingFraction, .failing),
            (options.lateEnrollFraction, .lateEnroll), (options.awayFraction, .away),
        ]
        var legacyRandom = SimulationRandom(seed: options.seed ^ 0x6C65_6761_6379_0000)
        let awayStart = max(0, Int64(options.effectiveWarmUp.rounded()) - 86_400)
        for slot in 0..<options.devices {
            var draw = random.unit()
            var behaviour = DeviceBehaviour.normal
            for (fraction, kind) in thresholds {
                if draw < fraction { behaviour = kind; break }
                draw -= fraction
            }
            fleet.behaviour[slot] = behaviour
            fleet.platform[slot] = DevicePlatform.allCases[Int(random.next() % UInt64(DevicePlatform.allCases.count))]
            // Drawn for every device, used or not, so one behaviour's knobs do not shift another's draws.
            let enroll = 1 + random.seconds(below: duration - 1)
            let darkStart = random.seconds(below: duration)
            if behaviour == .lateEnroll { fleet.enrollAt[slot] = enroll }
            if behaviour == .dark {
                fleet.darkStart[slot] = darkStart
                fleet.darkEnd[slot] = darkStart + Int64((options.darkDays * 86_400).rounded())
            }
            if behaviour == .away {
                fleet.darkStart[slot] = awayStart
                fleet.darkEnd[slot] = awayStart + Int64((options.awayDays * 86_400).rounded())
            }
            fleet.legacy[slot] = legacyRandom.unit() < options.legacyFraction
        }
        return fleet
    }
}

/// Values the fleet shares, each stored once and named by a small number: thousands of devices hold one of a
/// handful of trust stores, so a device carries the number and the simulation compares numbers.
struct Interned<Value: Hashable> {
    private(set) var values: [Value] = []
    private var ids: [Value: Int32] = [:]

    init(_ first: Value) { _ = id(first) }

    mutating func id(_ value: Value) -> Int32 {
        if let id = ids[value] { return id }
        let id = Int32(values.count)
        values.append(value)
        ids[value] = id
        return id
    }

    subscript(_ id: Int32) -> Value { values[Int(id)] }
}
