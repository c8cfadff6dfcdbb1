import Foundation
import RolloverCore
import RolloverStore

/// Collects the sync reports of the run and writes them with `Store.recordSyncs` in big batches, as the server's
/// writer does, flushed before anything reads what they change (a readiness check, a proceed-now refusal, the end).
///
/// A report that changes nothing but the last-seen time (a "heartbeat": no delivery update, trust store unchanged)
/// only matters through the device's latest one, so only the latest per device is kept; a report that changes
/// something is kept in order. Written in that order — changes, then the latest heartbeats, each later than any
/// change of its device — the store ends exactly as if every report had been written one by one.
struct SyncRecorder {
    private var changes: [SyncReport] = []
    /// The latest heartbeat per slot (-1: none pending).
    private var pendingSeen: [Int64]
    private var heartbeatSlots: [Int32] = []
    private(set) var reportsRecorded = 0
    private(set) var rowsWritten = 0
    let agentVersion: String
    /// Changes kept before a flush is asked for, to bound memory.
    static let batch = 50_000

    init(count: Int, agentVersion: String) {
        pendingSeen = Array(repeating: -1, count: count)
        self.agentVersion = agentVersion
    }

    var wantsFlush: Bool { changes.count >= Self.batch }
    var isEmpty: Bool { changes.isEmpty && heartbeatSlots.isEmpty }

    /// A sync that changed nothing but the last-seen time.
    mutating func heartbeat(slot: Int, at seconds: Int64) {
        reportsRecorded += 1
        if pendingSeen[slot] < 0 { heartbeatSlots.append(Int32(slot)) }
        pendingSeen[slot] = seconds
    }

    /// A sync that changed the trust store the device reports or a delivery.
    mutating func change(_ report: SyncReport, slot: Int) {
        reportsRecorded += 1
        // A pending heartbeat of this device is older than this report, which sets the last-seen time itself.
        pendingSeen[slot] = -1
        changes.append(report)
    }

    /// Everything pending (or only the changes), in the order to write it in one `recordSyncs` call; `deviceID` and
    /// `platform` fill in the heartbeats.
    mutating func drain(start: Date, heartbeats: Bool = true, deviceID: (Int) -> Int64, platform: (Int) -> DevicePlatform) -> [SyncReport] {
        var reports = changes
        changes.removeAll(keepingCapacity: true)
        guard heartbeats else {
            rowsWritten += reports.count
            return reports
        }
        reports.reserveCapacity(reports.count + heartbeatSlots.count)
        for slot32 in heartbeatSlots {
            let slot = Int(slot32)
            let seconds = pendingSeen[slot]
            guard seconds >= 0 else { continue }
            reports.append(SyncReport(deviceID: deviceID(slot), seenAt: start.addingTimeInterval(TimeInterval(seconds)), agentVersion: agentVersion,
                                      platform: platform(slot), held: nil, deliveries: []))
            pendingSeen[slot] = -1
        }
        heartbeatSlots.removeAll(keepingCapacity: true)
        rowsWritten += reports.count
        return reports
    }
}
