import Foundation
import RolloverCore
import RolloverStore

/// One device sync, decided: the answer and what the store must record. The device API and the fleet simulator
/// both call it, so a simulated device is answered exactly as a real one.
public enum DeviceSync {
    /// - Parameters:
    ///   - deliveries: the device's deliveries as stored.
    ///   - previouslyHeld: what the device last reported holding (its trust store is rewritten only on a change).
    ///   - nextSync: seconds until the device should come back.
    ///   - host: the host name the device reached the server by, which picks its handover chain.
    public static func answer(_ request: SyncRequest, deviceID: Int64, deliveries: [DeviceDelivery], previouslyHeld: Set<String>,
                              snapshot: TrustMaterial.Snapshot, now: Date, nextSync: Int, host: String? = nil) -> (response: SyncResponse, report: SyncReport) {
        var current: [Int64: SyncPlanner.CurrentDelivery] = [:]
        for delivery in deliveries where snapshot.openRollovers.contains(delivery.rolloverID) {
            current[delivery.rolloverID] = .init(state: delivery.state, updatedAt: delivery.updatedAt)
        }
        let held = Set(request.held.map { $0.lowercased() })
        let results = request.results.map { result in
            InstallResult(fingerprint: result.fingerprint.lowercased(), status: result.status, reason: result.reason.map { String($0.prefix(500)) })
        }
        let plan = SyncPlanner.plan(material: snapshot.items, reserve: snapshot.reserve, withdrawn: snapshot.withdrawn, held: held,
                                    results: results, deliveries: current, now: now, retryAfter: snapshot.retryAfter)
        let report = SyncReport(
            deviceID: deviceID, seenAt: now, agentVersion: String(request.agentVersion.prefix(64)), platform: request.platform,
            held: previouslyHeld == held ? nil : held.sorted(),
            deliveries: plan.changes.map { .init(rolloverID: $0.rolloverID, state: $0.state, reason: $0.reason, attempted: $0.attempted) },
            handoverSequence: request.handoverSequence.map { min(max($0, 0), 1 << 40) })
        let response = SyncResponse(add: plan.add, remove: plan.remove, reserve: plan.reserve, addresses: snapshot.addresses, nextSyncSeconds: nextSync,
                                    handover: snapshot.handoverPosition(host: host))
        return (response, report)
    }

    /// What a newly enrolled device receives: everything, as to a device that holds nothing.
    public static func enrollment(snapshot: TrustMaterial.Snapshot, now: Date, nextSync: Int, host: String? = nil) -> SyncResponse {
        let plan = SyncPlanner.plan(material: snapshot.items, reserve: snapshot.reserve, withdrawn: [], held: [], results: [], deliveries: [:],
                                    now: now, retryAfter: 0)
        return SyncResponse(add: plan.add, remove: [], reserve: plan.reserve, addresses: snapshot.addresses, nextSyncSeconds: nextSync,
                            handover: snapshot.handoverPosition(host: host))
    }

    /// The period ±10%, so a fleet enrolled together does not come back together.
    public static func jittered(_ period: Int, using generator: inout some RandomNumberGenerator) -> Int {
        // The setting is at most a week; the clamp keeps any other caller from trapping the conversion.
        let bounded = Double(min(max(period, 1), 1 << 40))
        return max(1, Int((bounded * Double.random(in: 0.9...1.1, using: &generator)).rounded()))
    }
}
