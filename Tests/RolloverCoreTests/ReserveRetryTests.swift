import Foundation
import RolloverCore
import Testing

/// A reserve certificate a device cannot install follows the retry rule of every delivery.
@Suite("Reserve retry")
struct ReserveRetryTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let reserve = SyncPlanner.ReserveMaterial(
        certificate: ReserveCertificate(fingerprint: String(repeating: "ab", count: 32), pem: "PEM", activatesAt: Date(timeIntervalSince1970: 1_900_000_000)),
        rolloverID: 7)

    func plan(state: DeliveryState, since: TimeInterval, failed: Bool) -> SyncPlanner.Plan {
        SyncPlanner.plan(material: [], reserve: reserve, withdrawn: [], held: [],
                         results: failed ? [InstallResult(fingerprint: reserve.certificate.fingerprint, status: .failed, reason: "disk full")] : [],
                         deliveries: [7: .init(state: state, updatedAt: now.addingTimeInterval(-since))], now: now, retryAfter: 3600)
    }

    @Test("a failed reserve is recorded failed and then rests (not sent again), and after the retry period it moves to retrying and is sent again")
    func failedReserveRestsThenRetries() {
        let failing = plan(state: .delivered, since: 10, failed: true)
        #expect(failing.changes.map(\.state) == [.failed] && failing.reserve == nil)
        let resting = plan(state: .failed, since: 60, failed: false)
        #expect(resting.changes.isEmpty && resting.reserve == nil, "a resting reserve is not sent, so the device does not fail it again")
        let retrying = plan(state: .failed, since: 3601, failed: false)
        #expect(retrying.changes.map(\.state) == [.retrying] && retrying.reserve == reserve.certificate)
        let healthy = plan(state: .delivered, since: 10, failed: false)
        #expect(healthy.reserve == reserve.certificate)
    }
}
