import Foundation
import RolloverCore
import RolloverStore

/// One page of a host's handover chain, as `GET /api/v1/handover` answers it and the fleet simulator reads it.
public enum HandoverPage {
    /// The most records one answer carries; a device asks again after the last.
    public static let size = 64

    /// The records after `after` of the chain a device reaching the server as `host` follows.
    public static func answer(host: String, after: Int, snapshot: TrustMaterial.Snapshot, store: any Store) async throws -> HandoverAnswer {
        let position = snapshot.handoverPosition(host: host)
        let stored = try await store.handoverRecords(host: position.host, after: after, limit: size)
        let records = try stored.map { try DeviceProtocol.decoder().decode(HandoverRecord.self, from: Data($0.document.utf8)) }
        return HandoverAnswer(host: position.host, latest: max(position.sequence, stored.last?.sequence ?? 0), records: records)
    }
}
