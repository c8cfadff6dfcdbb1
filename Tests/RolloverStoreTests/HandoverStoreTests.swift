import Foundation
import RolloverCore
import Testing
@testable import RolloverStore

extension StoreConformanceTests {
    /// Handover records: written with the activation or not at all, numbered without gaps per host, read in pages,
    /// pruned; devices' reported state and who is behind. The same on SQLite and PostgreSQL.
    @Suite("Handover store conformance")
    struct HandoverStoreTests {
        let admin = AuditActor("alice")
        let start = Date(timeIntervalSince1970: 1_700_000_000)

        func certificate(_ name: String, state: CertificateState) -> StoredCertificate {
            StoredCertificate(sha256: String(repeating: name, count: 64), der: [0x30, 0x03, 0x02, 0x01, 0x01], chainPEM: "", subject: "CN=\(name)",
                              notBefore: start, notAfter: start.addingTimeInterval(90 * 86_400), state: state, source: .imported, privateKeyID: nil)
        }

        func record(_ sequence: Int, rollover: Int64, host: String = "", day: Double = 1) -> StoredHandoverRecord {
            StoredHandoverRecord(host: host, sequence: sequence, rolloverID: rollover, issuedAt: start.addingTimeInterval(day * 86_400),
                                 document: #"{"statement":"e30=","signatures":[]}"#)
        }

        /// A staged target and its open rollover.
        func rollover(_ store: any Store, _ name: String) async throws -> Int64 {
            let target = try await store.insertCertificate(certificate(name, state: .staged), actor: admin)
            return try await store.insertRollover(certificateID: target, preset: "proceed-now", at: start, actor: admin)
        }

        @Test("a record is written in the activation's transaction; one out of sequence refuses the whole activation and changes nothing",
              arguments: StoreKind.allCases)
        func recordsFollowEachOther(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            _ = try await store.insertCertificate(certificate("a", state: .active), actor: admin)
            let first = try await rollover(store, "b")
            let gap = await #expect(throws: StoreError.self) {
                try await store.completeRollover(id: first, at: start, detail: "", handover: record(2, rollover: first), actor: .system)
            }
            #expect(gap?.specificCode == "handover-out-of-sequence")
            #expect(try await store.rollover(id: first)?.state == .open, "the activation did not happen")
            #expect(try await store.latestHandoverSequences().isEmpty)

            try await store.completeRollover(id: first, at: start, detail: "", handover: record(1, rollover: first), actor: .system)
            #expect(try await store.rollover(id: first)?.state == .completed)
            let second = try await rollover(store, "c")
            try await store.completeRollover(id: second, at: start, detail: "", handover: record(2, rollover: second, day: 2), actor: .system)
            let third = try await rollover(store, "d")
            let replay = await #expect(throws: StoreError.self) {
                try await store.completeRollover(id: third, at: start, detail: "", handover: record(2, rollover: third), actor: .system)
            }
            #expect(replay?.code == .conflict)
            // Another host's chain is numbered on its own.
            try await store.completeRollover(id: third, at: start, detail: "", handover: record(1, rollover: third, host: "api.example.com"), actor: .system)
            #expect(try await store.latestHandoverSequences() == ["": 2, "api.example.com": 1])

            let page = try await store.handoverRecords(host: "", after: 0, limit: 1)
            #expect(page.map(\.sequence) == [1] && page[0].rolloverID == first && page[0].issuedAt == start.addingTimeInterval(86_400))
            #expect(try await store.handoverRecords(host: "", after: 1, limit: 64).map(\.sequence) == [2])
            #expect(try await store.handoverRecords(host: "", after: 2, limit: 64).isEmpty)
            #expect(try await store.auditLog(limit: 50).filter { $0.action == "handover.record" }.count == 3)

            #expect(try await store.deleteHandoverRecords(issuedBefore: start.addingTimeInterval(1.5 * 86_400), actor: .system) == 2)
            #expect(try await store.latestHandoverSequences() == ["": 2])
            try await store.close()
        }

        @Test("a device's sync records the handover state it reports; devices behind a sequence are counted, retired ones not",
              arguments: StoreKind.allCases)
        func devicesReportTheirState(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let ids = try await store.insertDevices((1...3).map {
                NewDevice(name: "device-\($0)", platform: .linux, tokenSHA256: String(format: "%064x", $0), enrolledAt: start)
            }, deliveryState: .pending, actor: admin)
            try await store.recordSyncs([
                SyncReport(deviceID: ids[0], seenAt: start, agentVersion: "2.0", deliveries: [], handoverSequence: 2),
                SyncReport(deviceID: ids[1], seenAt: start, agentVersion: "2.0", deliveries: [], handoverSequence: 1),
            ])
            // A sync that does not say keeps what is known.
            try await store.recordSyncs([SyncReport(deviceID: ids[0], seenAt: start.addingTimeInterval(60), agentVersion: "2.0", deliveries: [])])
            #expect(try await store.device(id: ids[0])?.handoverSequence == 2)
            #expect(try await store.device(id: ids[2])?.handoverSequence == nil)
            #expect(try await store.devicesBehind(handoverSequence: 2) == 2, "the one at 1 and the one that never said")
            try await store.retireDevice(id: ids[2], actor: admin)
            #expect(try await store.devicesBehind(handoverSequence: 2) == 1)
            try await store.recordHandoverWalk(deviceID: ids[1], from: 1, to: 2, actor: AuditActor("device:\(ids[1])"))
            let walk = try await store.auditLog(limit: 1).first
            #expect(walk?.action == "device.recover" && walk?.detail?.contains("2...2") == true)
            try await store.close()
        }
    }
}
