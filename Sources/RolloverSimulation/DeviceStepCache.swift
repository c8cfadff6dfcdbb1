import Foundation
import RolloverAgent
import RolloverCore
import RolloverStore

/// Everything one device connection and sync depends on, as small numbers (see `Interned`). Two devices with equal
/// keys at instants in the same "epoch" (no certificate validity boundary between them) and under the same trust
/// material snapshot get the same verdict, the same answer and the same new trust store from the real code:
/// `ServerTrustEvaluation.evaluate`, `DeviceSync.answer` and `TrustUpdate.apply` are pure functions of exactly
/// these inputs (the device id, platform and time only stamp the report, which is filled in per device).
///
/// So the simulator runs the real code once per distinct key and reuses the outcome for every device in the same
/// situation: of 100,000 devices most are in one of a handful. The cache is emptied whenever the snapshot changes
/// or a validity boundary passes; `SimulationOptions.memoize = false` runs the real code for every sync and must
/// give the same report (a test checks it).
struct StepKey: Hashable {
    var trust: Int32
    var unreported: Int32
    var reportedHeld: Int32
    var host: Int32
    var served: Int64
    /// Per open rollover (in id order), 4 bits: the delivery state, 5 for "failed and its rest is over", 15 for none.
    var deliveries: UInt64
    /// 1: the device's reserve is past its activation time; 2: the device's installs fail; 4: the device cannot walk
    /// handover records.
    var flags: UInt8

    /// Four words instead of seven fields: hashing is a good part of a cached sync.
    func hash(into hasher: inout Hasher) {
        hasher.combine(UInt64(UInt32(bitPattern: trust)) | UInt64(UInt32(bitPattern: unreported)) << 32)
        hasher.combine(UInt64(UInt32(bitPattern: reportedHeld)) | UInt64(UInt32(bitPattern: host)) << 32)
        hasher.combine(UInt64(bitPattern: served) ^ UInt64(flags) << 56)
        hasher.combine(deliveries)
    }
}

enum StepOutcome {
    case refused(reason: Int32)
    case synced(SyncedStep)
}

struct SyncedStep {
    /// The trust store after the answer was applied (interned).
    var trust: Int32
    /// The install results the agent will report next (interned).
    var unreported: Int32
    /// What the store records the device holding after this sync (interned).
    var reportedHeld: Int32
    /// The report's parts that do not depend on the device's identity or the time.
    var held: [String]?
    var deliveries: [SyncReport.DeliveryUpdate]
    /// The handover sequence the sync reported.
    var sequence: Int?
    /// The handover records the device walked before this sync, when its trust store did not verify the server.
    var walked: SyncRequest.Walk?
}

/// A connection as the agent makes it: the served chain verified with the device's trust store, or, when that
/// fails and the device runs the agent, with the state it reaches by walking the handover chain.
enum Connection {
    case trusted(through: Set<String>, trust: Int32, walked: SyncRequest.Walk?)
    case refused(reason: String)
}

/// The key of one walk through the handover chain: where the device starts and which chain it asks for.
struct WalkKey: Hashable {
    var trust: Int32
    var host: Int32
}

/// The key of one trust evaluation: the served certificate, the host name, the trust store, and whether the store's
/// reserve counts yet. Evaluating costs an X.509 path validation; the fleet shares a handful of trust stores.
struct EvaluationKey: Hashable {
    var served: Int64
    var host: Int32
    var trust: Int32
    var reserveActive: Bool
}

struct DeviceStepCache {
    var steps: [StepKey: StepOutcome] = [:]
    var verdicts: [EvaluationKey: ServerTrustEvaluation.Verdict] = [:]
    var walks: [WalkKey: HandoverWalk.Outcome] = [:]
    var hits = 0
    var misses = 0
    var evaluations = 0
    var clears = 0

    mutating func clear() {
        if !steps.isEmpty || !verdicts.isEmpty || !walks.isEmpty { clears += 1 }
        steps.removeAll(keepingCapacity: true)
        verdicts.removeAll(keepingCapacity: true)
        walks.removeAll(keepingCapacity: true)
    }
}
