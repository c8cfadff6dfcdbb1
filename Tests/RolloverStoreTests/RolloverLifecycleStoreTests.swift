import Foundation
import GRDB
import PostgresNIO
import RolloverCore
import Testing
@testable import RolloverStore

// Nested in the serialized conformance suite: every PostgreSQL test drops and recreates the same database, so
// these must never run at the same time as the others.
extension StoreConformanceTests {
    /// Rollover windows, activation, cancellation, readiness and alerts: the same behaviour on SQLite and PostgreSQL.
    @Suite("Rollover lifecycle store conformance")
    struct RolloverLifecycleStoreTests {
        let admin = AuditActor("alice")
        /// Whole seconds, since both stores keep time in seconds.
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let day: TimeInterval = 86_400

        func at(_ offset: TimeInterval) -> Date { start.addingTimeInterval(offset) }

        func newDevice(_ index: Int, platform: DevicePlatform = .linux) -> NewDevice {
            NewDevice(name: "device-\(index)", platform: platform, tokenSHA256: String(format: "%064x", index), enrolledAt: start)
        }

        func artifact(_ fingerprint: String) -> TrustArtifactRecord {
            TrustArtifactRecord(sha256: fingerprint, der: [0x30, 0x03, 0x02, 0x01, 0x07], subject: "CN=Root \(fingerprint)",
                                notAfter: at(365 * day), role: .anchor, addedAt: start)
        }

        func certificate(_ name: String, host: String? = "mdm.example.com", state: CertificateState = .staged,
                         source: CertificateSource = .imported) -> StoredCertificate {
            StoredCertificate(sha256: String(repeating: name, count: 64 / name.count), der: [0x30, 0x03, 0x02, 0x01, 0x01],
                              chainPEM: "", subject: "CN=\(name)", notBefore: start, notAfter: at(90 * day), state: state, source: source,
                              privateKeyID: nil, hostName: host)
        }

        func sync(_ deviceID: Int64, at offset: TimeInterval, held: [String]? = nil, _ deliveries: [SyncReport.DeliveryUpdate] = []) -> SyncReport {
            SyncReport(deviceID: deviceID, seenAt: at(offset), agentVersion: "2.0", held: held, deliveries: deliveries)
        }

        static func counts(_ nonZero: [DeliveryState: Int]) -> [DeliveryState: Int] {
            [.pending: 0, .delivered: 0, .installed: 0, .failed: 0, .retrying: 0].merging(nonZero) { $1 }
        }

        // MARK: Starting

        @Test("a rollover starts with its window, its trust material and a reserve target, all at once", arguments: StoreKind.allCases)
        func startsAtomically(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let ids = try await store.insertDevices((0..<4).map { newDevice($0) }, deliveryState: .pending, actor: admin)
            try await store.retireDevice(id: ids[3], actor: admin)
            let standing = try await store.insertTrustArtifact(artifact("s1"), tracked: false, actor: admin)
            let target = try await store.insertCertificate(certificate("a"), actor: admin)

            let id = try await store.insertRollover(
                NewRollover(certificateID: target, preset: "address-change", createdAt: start, checkAt: at(30 * day), deadline: at(30 * day),
                            reserveUntil: at(30 * day), addresses: ["mdm2.example.com", "10.0.0.6"]),
                artifacts: [artifact("a1"), artifact("s1")], actor: admin)

            let expected = RolloverRecord(id: id, certificateID: target, preset: "address-change", state: .open, createdAt: start,
                                          hostName: "mdm.example.com", checkAt: at(30 * day), deadline: at(30 * day),
                                          addresses: ["mdm2.example.com", "10.0.0.6"])
            #expect(try await store.rollover(id: id) == expected)
            #expect(try await store.rollovers() == [expected])
            #expect(try await store.rollover(id: id + 1) == nil)
            #expect(try await store.certificate(id: target)?.state == .reserve)
            #expect(try await store.deliveryCounts(rolloverID: id) == Self.counts([.pending: 3]), "one delivery per unretired device")
            #expect(try await store.deliveryPage(rolloverID: id, filter: DeliveryFilter(), afterDeviceID: nil, limit: 10).map(\.deviceID)
                    == Array(ids.prefix(3)))

            // The standing copy of s1 is current already, so only a1 joins, tracked by the rollover.
            let material = try await store.trustArtifacts(includeWithdrawn: true)
            #expect(material.map(\.sha256) == ["s1", "a1"])
            #expect(material[0] == standing)
            #expect(material[1].rolloverID == id && material[1].withdrawnAt == nil && material[1].addedAt == start)

            let log = try await store.auditLog(limit: 2)
            #expect(log.map(\.action) == ["trust.add", "rollover.create"])
            #expect(log[0].subjectID == material[1].id && log[0].detail == "anchor CN=Root a1 sha256 a1")
            #expect(log[1].subjectKind == "rollover" && log[1].subjectID == id)
            #expect(log[1].detail == "address-change for certificate \(target), reserve activating 2023-12-14T22:13:20Z")

            // Without a reserve time the target stays staged; without a target the host name is the caller's.
            let staged = try await store.insertCertificate(certificate("b", host: nil), actor: admin)
            let distribute = try await store.insertRollover(
                NewRollover(certificateID: staged, preset: "distribute-first", createdAt: at(60), checkAt: at(7 * day), deadline: at(21 * day)),
                artifacts: [], actor: admin)
            #expect(try await store.certificate(id: staged)?.state == .staged)
            let record = try #require(try await store.rollover(id: distribute))
            #expect(record.hostName == nil && record.checkAt == at(7 * day) && record.deadline == at(21 * day) && record.addresses == nil)
            #expect(try await store.auditLog(limit: 1).first?.detail == "distribute-first for certificate \(staged)")
            let trust = try await store.insertRollover(
                NewRollover(certificateID: nil, preset: "trust", createdAt: start, hostName: "api.example.com", checkAt: start, deadline: start,
                            addresses: []),
                artifacts: [], actor: admin)
            #expect(try await store.rollover(id: trust)?.hostName == "api.example.com")
            #expect(try await store.rollover(id: trust)?.addresses == [])
            try await store.close()
        }

        @Test("a refused rollover leaves nothing behind: no rollover, no deliveries, no trust material, no reserve",
              arguments: StoreKind.allCases)
        func refusedStartLeavesNothing(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let ids = try await store.insertDevices((0..<2).map { newDevice($0) }, deliveryState: .pending, actor: admin)
            let target = try await store.insertCertificate(certificate("a"), actor: admin)
            let first = try await store.insertRollover(
                NewRollover(certificateID: target, preset: "distribute-first", createdAt: start, checkAt: at(7 * day), deadline: at(21 * day)),
                artifacts: [artifact("a1")], actor: admin)
            let auditBefore = try await store.auditLog(limit: 100).count

            func refused(_ rollover: NewRollover, _ code: StoreError.Code, _ comment: Comment) async {
                let error = await #expect(throws: StoreError.self, comment) {
                    _ = try await store.insertRollover(rollover, artifacts: [artifact("a2"), artifact("a3")], actor: admin)
                }
                #expect(error?.code == code, comment)
            }
            await refused(NewRollover(certificateID: target, preset: "reserve", createdAt: start, checkAt: at(day), deadline: at(day),
                                      reserveUntil: at(day)), .conflict, "its target is in an open rollover already")
            let active = try await store.insertCertificate(certificate("c", state: .active), actor: admin)
            let retired = try await store.insertCertificate(certificate("d", state: .retired), actor: admin)
            let cancelled = try await store.insertCertificate(certificate("e", state: .cancelled), actor: admin)
            for certificate in [active, retired, cancelled] {
                await refused(NewRollover(certificateID: certificate, preset: "reserve", createdAt: start, checkAt: at(day), deadline: at(day),
                                          reserveUntil: at(day)), .conflict, "only a staged or reserve certificate can be a target")
            }
            await refused(NewRollover(certificateID: 9_999, preset: "reserve", createdAt: start, checkAt: at(day), deadline: at(day)),
                          .notFound, "an unknown target")
            let other = try await store.insertCertificate(certificate("f", host: "api.example.com"), actor: admin)
            await refused(NewRollover(certificateID: other, preset: "reserve", createdAt: start, hostName: "mdm.example.com", checkAt: at(day),
                                      deadline: at(day), reserveUntil: at(day)), .invalid, "a host name its target does not serve")

            #expect(try await store.rollovers().map(\.id) == [first])
            #expect(try await store.trustArtifacts(includeWithdrawn: true).map(\.sha256) == ["a1"])
            for device in ids { #expect(try await store.deviceDeliveries(deviceID: device).map(\.rolloverID) == [first]) }
            #expect(try await store.certificate(id: target)?.state == .staged)
            #expect(try await store.certificate(id: other)?.state == .staged)
            #expect(try await store.certificate(id: active)?.state == .active)
            #expect(try await store.auditLog(limit: 100).count == auditBefore + 4, "only the four certificates added")

            // Once the first rollover is over, its target may start another.
            try await store.cancelRollover(id: first, at: at(60), actor: admin)
            let fresh = try await store.insertCertificate(certificate("g"), actor: admin)
            _ = try await store.insertRollover(NewRollover(certificateID: fresh, preset: "distribute-first", createdAt: start,
                                                           checkAt: at(day), deadline: at(day)), artifacts: [], actor: admin)
            await refused(NewRollover(certificateID: fresh, preset: "distribute-first", createdAt: start, checkAt: at(day), deadline: at(day)),
                          .conflict, "the new rollover holds it")
            try await store.close()
        }

        // MARK: Checks, activation, cancellation

        @Test("rescheduling an open rollover records the next check, the extensions and when it was held", arguments: StoreKind.allCases)
        func rescheduleRecordsExtensionAndHold(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let target = try await store.insertCertificate(certificate("a"), actor: admin)
            let id = try await store.insertRollover(
                NewRollover(certificateID: target, preset: "distribute-first", createdAt: start, checkAt: at(7 * day), deadline: at(21 * day)),
                artifacts: [], actor: admin)

            try await store.rescheduleRollover(id: id, checkAt: at(8 * day), extensions: 1, heldAt: nil, detail: "0 of 2 confirmed", actor: .system)
            var record = try #require(try await store.rollover(id: id))
            #expect(record.checkAt == at(8 * day) && record.extensions == 1 && record.heldAt == nil)
            #expect(record.deadline == at(21 * day) && record.state == .open)
            var log = try #require(try await store.auditLog(limit: 1).first)
            #expect(log.action == "rollover.extend" && log.subjectKind == "rollover" && log.subjectID == id)
            #expect(log.detail == "0 of 2 confirmed" && log.actor == AuditActor.system.name)

            try await store.rescheduleRollover(id: id, checkAt: at(22 * day), extensions: 15, heldAt: at(21 * day), detail: "held: 1 of 2",
                                               actor: .system)
            record = try #require(try await store.rollover(id: id))
            #expect(record.checkAt == at(22 * day) && record.extensions == 15 && record.heldAt == at(21 * day))
            log = try #require(try await store.auditLog(limit: 1).first)
            #expect(log.action == "rollover.hold" && log.detail == "held: 1 of 2")

            let unknown = await #expect(throws: StoreError.self) {
                try await store.rescheduleRollover(id: id + 1, checkAt: start, extensions: 1, heldAt: nil, detail: "", actor: .system)
            }
            #expect(unknown?.code == .notFound)
            try await store.cancelRollover(id: id, at: at(23 * day), actor: admin)
            let closed = await #expect(throws: StoreError.self) {
                try await store.rescheduleRollover(id: id, checkAt: at(30 * day), extensions: 16, heldAt: nil, detail: "", actor: .system)
            }
            #expect(closed?.code == .notFound)
            #expect(try await store.rollover(id: id)?.checkAt == at(22 * day), "a closed rollover is not rescheduled")
            try await store.close()
        }

        @Test("completion activates the target and retires the active certificate of its host only; a second completion is refused",
              arguments: StoreKind.allCases)
        func completionActivatesTarget(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let live = try await store.insertCertificate(certificate("a", state: .active), actor: admin)
            let otherHost = try await store.insertCertificate(certificate("b", host: "api.example.com", state: .active), actor: admin)
            let defaultHost = try await store.insertCertificate(certificate("c", host: nil, state: .active), actor: admin)
            let root = try await store.insertCertificate(certificate("d", state: .active, source: .authority), actor: admin)
            let target = try await store.insertCertificate(certificate("e"), actor: admin)
            let id = try await store.insertRollover(
                NewRollover(certificateID: target, preset: "reserve", createdAt: start, checkAt: at(day), deadline: at(day), reserveUntil: at(day)),
                artifacts: [artifact("a1")], actor: admin)
            #expect(try await store.certificate(id: target)?.state == .reserve)

            try await store.completeRollover(id: id, at: at(day), detail: "3 of 3 active device(s) confirmed", actor: .system)
            #expect(try await store.certificate(id: target)?.state == .active)
            #expect(try await store.certificate(id: live)?.state == .retired)
            #expect(try await store.certificate(id: otherHost)?.state == .active)
            #expect(try await store.certificate(id: defaultHost)?.state == .active)
            #expect(try await store.certificate(id: root)?.state == .active, "our CA's own certificate is never retired")
            let record = try #require(try await store.rollover(id: id))
            #expect(record.state == .completed && record.completedAt == at(day))
            #expect(try await store.trustArtifacts(includeWithdrawn: false).map(\.sha256) == ["a1"], "its material stays")
            let log = try await store.auditLog(limit: 2)
            #expect(log.map(\.action) == ["rollover.activate", "certificate.activate"])
            #expect(log[0].subjectID == id && log[0].detail == "3 of 3 active device(s) confirmed")
            #expect(log[1].subjectID == target && log[1].detail == "mdm.example.com")

            let again = await #expect(throws: StoreError.self) { try await store.completeRollover(id: id, at: at(2 * day), detail: "", actor: .system) }
            #expect(again?.code == .conflict)
            let cancel = await #expect(throws: StoreError.self) { try await store.cancelRollover(id: id, at: at(2 * day), actor: admin) }
            #expect(cancel?.code == .conflict)
            #expect(try await store.rollover(id: id)?.completedAt == at(day))
            let unknown = await #expect(throws: StoreError.self) { try await store.completeRollover(id: 9_999, at: start, detail: "", actor: .system) }
            #expect(unknown?.code == .notFound)

            // Nothing to activate: a trust rollover, or a target that is no longer staged or reserve. Both stay open.
            let trust = try await store.insertRollover(certificateID: nil, preset: "trust", at: start, actor: admin)
            let untargeted = await #expect(throws: StoreError.self) { try await store.completeRollover(id: trust, at: start, detail: "", actor: .system) }
            #expect(untargeted?.code == .conflict)
            let moved = try await store.insertCertificate(certificate("f", host: "api.example.com"), actor: admin)
            let stale = try await store.insertRollover(certificateID: moved, preset: "distribute-first", at: start, actor: admin)
            try await store.activateCertificate(id: moved, actor: admin)
            let activeAlready = await #expect(throws: StoreError.self) { try await store.completeRollover(id: stale, at: start, detail: "", actor: .system) }
            #expect(activeAlready?.code == .conflict)
            #expect(try await store.rollover(id: trust)?.state == .open)
            #expect(try await store.rollover(id: stale)?.state == .open)
            #expect(try await store.certificate(id: otherHost)?.state == .retired, "activated directly, it retired its host's certificate")
            try await store.close()
        }

        @Test("cancelling an open rollover cancels its target and withdraws the trust material it added", arguments: StoreKind.allCases)
        func cancelWithdrawsMaterial(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            _ = try await store.insertTrustArtifact(artifact("s1"), tracked: false, actor: admin)
            let live = try await store.insertCertificate(certificate("a", state: .active), actor: admin)
            let target = try await store.insertCertificate(certificate("b"), actor: admin)
            let id = try await store.insertRollover(
                NewRollover(certificateID: target, preset: "reserve", createdAt: start, checkAt: at(day), deadline: at(day), reserveUntil: at(day)),
                artifacts: [artifact("a1"), artifact("s1"), artifact("a2")], actor: admin)
            let kept = try await store.insertTrustArtifact(artifact("t1"), tracked: true, actor: admin)

            try await store.cancelRollover(id: id, at: at(3_600), actor: admin)
            let record = try #require(try await store.rollover(id: id))
            #expect(record.state == .cancelled && record.completedAt == at(3_600))
            #expect(try await store.certificate(id: target)?.state == .cancelled)
            #expect(try await store.certificate(id: live)?.state == .active)
            #expect(try await store.trustArtifacts(includeWithdrawn: false).map(\.sha256) == ["s1", "t1"])
            let withdrawn = try await store.trustArtifacts(includeWithdrawn: true).filter { $0.withdrawnAt != nil }
            #expect(withdrawn.map(\.sha256) == ["a1", "a2"] && withdrawn.allSatisfy { $0.withdrawnAt == at(3_600) && $0.rolloverID == id })
            #expect(try await store.rollover(id: try #require(kept.rolloverID))?.state == .open, "another rollover's material stays")
            let log = try #require(try await store.auditLog(limit: 1).first)
            #expect(log.action == "rollover.cancel" && log.subjectKind == "rollover" && log.subjectID == id)
            #expect(log.detail == "certificate \(target) cancelled, 2 trust artifact(s) withdrawn")

            let again = await #expect(throws: StoreError.self) { try await store.cancelRollover(id: id, at: at(7_200), actor: admin) }
            #expect(again?.code == .conflict)
            #expect(try await store.rollover(id: id)?.completedAt == at(3_600))
            let unknown = await #expect(throws: StoreError.self) { try await store.cancelRollover(id: 9_999, at: start, actor: admin) }
            #expect(unknown?.code == .notFound)

            // A trust rollover has no target; its material is withdrawn all the same.
            try await store.cancelRollover(id: try #require(kept.rolloverID), at: at(7_200), actor: admin)
            #expect(try await store.trustArtifacts(includeWithdrawn: false).map(\.sha256) == ["s1"])
            #expect(try await store.auditLog(limit: 1).first?.detail == "1 trust artifact(s) withdrawn")
            try await store.close()
        }

        // MARK: Readiness

        @Test("readiness counts active devices, those that installed, and inactive devices that did not as stragglers",
              arguments: StoreKind.allCases)
        func readinessCounts(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let ids = try await store.insertDevices((0..<10).map { newDevice($0) }, deliveryState: .pending, actor: admin)
            let id = try await store.insertRollover(certificateID: nil, preset: "trust", at: start, actor: admin)
            let activeSince = at(3_600)
            func update(_ state: DeliveryState) -> [SyncReport.DeliveryUpdate] { [.init(rolloverID: id, state: state)] }
            try await store.recordSyncs([
                sync(ids[0], at: 7_200, update(.installed)),     // active, confirmed
                sync(ids[1], at: 7_200, update(.installed)),     // active, confirmed
                sync(ids[2], at: 3_600, update(.installed)),     // active (seen exactly at the start of the window), confirmed
                sync(ids[3], at: 3_600, update(.delivered)),     // active, unconfirmed
                sync(ids[4], at: 7_200, update(.failed)),        // active, unconfirmed
                sync(ids[5], at: 60, update(.delivered)),        // inactive, not installed: a straggler
                sync(ids[7], at: 60, update(.installed)),        // inactive but installed: not a straggler
                sync(ids[8], at: 7_200, update(.installed)),     // retired below
                sync(ids[9], at: 60, update(.failed)),           // retired below
                // ids[6] never synced: a straggler
            ])
            try await store.retireDevice(id: ids[8], actor: admin)
            try await store.retireDevice(id: ids[9], actor: admin)

            let readiness = try await store.readiness(rolloverID: id, activeSince: activeSince)
            #expect(readiness == Readiness(activeDevices: 5, confirmed: 3, stragglers: 2))
            #expect(readiness.unconfirmed == 2)

            // Devices moving on: one confirms, one straggler comes back and confirms, another goes quiet (the window moves).
            try await store.recordSyncs([sync(ids[3], at: 10_800, update(.installed)), sync(ids[6], at: 10_800, update(.installed))])
            #expect(try await store.readiness(rolloverID: id, activeSince: activeSince) == Readiness(activeDevices: 6, confirmed: 5, stragglers: 1))
            #expect(try await store.readiness(rolloverID: id, activeSince: at(7_200))
                    == Readiness(activeDevices: 5, confirmed: 4, stragglers: 1), "ids[2] left the window; installed, it is no straggler")

            // Another rollover: nobody installed it yet.
            let next = try await store.insertRollover(certificateID: nil, preset: "trust", at: at(10_800), actor: admin)
            #expect(try await store.readiness(rolloverID: next, activeSince: activeSince) == Readiness(activeDevices: 6, confirmed: 0, stragglers: 2))
            #expect(try await store.readiness(rolloverID: 9_999, activeSince: activeSince) == Readiness(activeDevices: 6, confirmed: 6, stragglers: 0),
                    "a rollover without deliveries waits for nobody")
            try await store.close()
        }

        @Test("unconfirmed devices lists the active devices that hold none of the fingerprints, by id, up to the limit",
              arguments: StoreKind.allCases)
        func unconfirmedDeviceList(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let ids = try await store.insertDevices((0..<8).map { newDevice($0, platform: $0 % 2 == 0 ? .windows : .macos) },
                                                    deliveryState: .pending, actor: admin)
            try await store.recordSyncs([
                sync(ids[0], at: 7_200, held: ["new"]),
                sync(ids[1], at: 7_200, held: ["old"]),
                sync(ids[2], at: 3_600, held: []),
                sync(ids[3], at: 7_200, held: ["old", "leaf"]),
                sync(ids[4], at: 60, held: ["old"]),             // inactive
                sync(ids[5], at: 7_200, held: ["other"]),
                sync(ids[6], at: 7_200, held: []),               // retired below
                // ids[7] never synced
            ])
            try await store.retireDevice(id: ids[6], actor: admin)
            let activeSince = at(3_600)
            let fingerprints = ["new", "leaf"]

            #expect(try await store.unconfirmedDeviceCount(fingerprints: fingerprints, activeSince: activeSince) == 3)
            let all = try await store.unconfirmedDevices(fingerprints: fingerprints, activeSince: activeSince, limit: 10)
            #expect(all.map(\.id) == [ids[1], ids[2], ids[5]])
            #expect(all[0] == DeviceRecord(id: ids[1], name: "device-1", platform: .macos, tokenSHA256: String(format: "%064x", 1),
                                           agentVersion: "2.0", enrolledAt: start, lastSeenAt: at(7_200), retiredAt: nil))
            #expect(try await store.unconfirmedDevices(fingerprints: fingerprints, activeSince: activeSince, limit: 2).map(\.id) == [ids[1], ids[2]])
            #expect(try await store.unconfirmedDevices(fingerprints: ["old", "new", "other", "leaf"], activeSince: activeSince, limit: 10)
                    .map(\.id) == [ids[2]])
            #expect(try await store.unconfirmedDevices(fingerprints: [], activeSince: activeSince, limit: 10).map(\.id)
                    == [ids[0], ids[1], ids[2], ids[3], ids[5]], "with no fingerprints every active device is unconfirmed")
            #expect(try await store.unconfirmedDeviceCount(fingerprints: [], activeSince: activeSince) == 5)
            #expect(try await store.unconfirmedDevices(fingerprints: fingerprints, activeSince: at(7_201), limit: 10).isEmpty)
            try await store.close()
        }

        // MARK: Device table

        @Test("a delivery page filters by platform and last seen, pages by device id, and reports attempts and update times",
              arguments: StoreKind.allCases)
        func filteredDeliveryPage(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let ids = try await store.insertDevices((0..<8).map { newDevice($0, platform: $0 % 2 == 0 ? .windows : .linux) },
                                                    deliveryState: .pending, actor: admin)
            let id = try await store.insertRollover(certificateID: nil, preset: "trust", at: at(10), actor: admin)
            func update(_ state: DeliveryState, _ reason: String? = nil, attempted: Bool = false) -> [SyncReport.DeliveryUpdate] {
                [.init(rolloverID: id, state: state, reason: reason, attempted: attempted)]
            }
            try await store.recordSyncs([
                sync(ids[0], at: 3_600, update(.delivered, attempted: true)),
                sync(ids[1], at: 3_600, update(.installed, attempted: true)),
                sync(ids[2], at: 7_200, update(.delivered, attempted: true)),
                sync(ids[3], at: 10_800, update(.installed, attempted: true)),
                sync(ids[4], at: 10_800, update(.delivered, attempted: true)),
                // ids[5...] never synced
            ])
            try await store.recordSyncs([
                sync(ids[0], at: 5_400, update(.failed, "store is locked", attempted: true)),
                sync(ids[2], at: 7_300, update(.installed)),
            ])

            let row = try #require(try await store.deliveryPage(rolloverID: id, filter: DeliveryFilter(), afterDeviceID: nil, limit: 1).first)
            #expect(row == DeliveryRow(deviceID: ids[0], deviceName: "device-0", platform: .windows, lastSeenAt: at(5_400), state: .failed,
                                       reason: "store is locked", attempts: 2, updatedAt: at(5_400)))
            let untouched = try #require(try await store.deliveryPage(rolloverID: id, filter: DeliveryFilter(), afterDeviceID: ids[6], limit: 5).first)
            #expect(untouched == DeliveryRow(deviceID: ids[7], deviceName: "device-7", platform: .linux, lastSeenAt: nil, state: .pending,
                                             reason: nil, attempts: 0, updatedAt: at(10)))

            func page(_ filter: DeliveryFilter, after: Int64? = nil, limit: Int = 100) async throws -> [Int64] {
                try await store.deliveryPage(rolloverID: id, filter: filter, afterDeviceID: after, limit: limit).map(\.deviceID)
            }
            #expect(try await page(DeliveryFilter(platform: .windows)) == [ids[0], ids[2], ids[4], ids[6]])
            #expect(try await page(DeliveryFilter(platform: .windows), after: ids[2], limit: 1) == [ids[4]])
            #expect(try await page(DeliveryFilter(seenBefore: at(7_200))) == [ids[0], ids[1], ids[5], ids[6], ids[7]],
                    "never seen counts as seen before")
            #expect(try await page(DeliveryFilter(seenAfter: at(7_300))) == [ids[2], ids[3], ids[4]])
            #expect(try await page(DeliveryFilter(seenBefore: at(10_800), seenAfter: at(3_600))) == [ids[0], ids[1], ids[2]])
            #expect(try await page(DeliveryFilter(state: .installed, platform: .linux)) == [ids[1], ids[3]])
            #expect(try await page(DeliveryFilter(state: .installed, seenAfter: at(7_200))) == [ids[2], ids[3]])
            #expect(try await page(DeliveryFilter(state: .pending, platform: .linux, seenBefore: at(60))) == [ids[5], ids[7]])
            #expect(try await page(DeliveryFilter(state: .failed, platform: .linux)).isEmpty)

            var paged: [Int64] = []
            var after: Int64?
            while true {
                let rows = try await page(DeliveryFilter(seenBefore: at(10_800)), after: after, limit: 2)
                #expect(rows.count <= 2)
                guard let last = rows.last else { break }
                paged += rows
                after = last
            }
            #expect(paged == [ids[0], ids[1], ids[2], ids[5], ids[6], ids[7]])
            // The state-only form still works.
            #expect(try await store.deliveryPage(rolloverID: id, state: .installed, afterDeviceID: nil, limit: 10).map(\.attempts) == [1, 1, 1])
            try await store.close()
        }

        // MARK: Alerts and certificates

        @Test("an alert is raised once per key, and alerts list newest first; they are not audit entries", arguments: StoreKind.allCases)
        func alertsOncePerKey(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let expiring = LifecycleAlert(key: "certificate-3-expiry-30", severity: .warning, code: "certificate-expiring",
                                          message: "expires in 30 day(s)", certificateID: 3)
            let held = LifecycleAlert(key: "rollover-5-held-15", severity: .critical, code: "rollover-held", message: "held",
                                      certificateID: 4, rolloverID: 5)
            let extended = LifecycleAlert(key: "rollover-5-extended-1", severity: .info, code: "rollover-extended", message: "extended",
                                          rolloverID: 5)
            #expect(try await store.insertAlert(expiring, at: start))
            var repeated = expiring
            repeated.message = "expires in 29 day(s)"
            #expect(try await store.insertAlert(repeated, at: at(60)) == false)
            #expect(try await store.insertAlert(extended, at: at(120)))
            #expect(try await store.insertAlert(held, at: at(180)))
            #expect(try await store.insertAlert(held, at: at(240)) == false)

            let all = try await store.alerts(limit: 10)
            #expect(all.map(\.alert) == [held, extended, expiring], "the first one raised is kept as it was")
            #expect(all.map(\.at) == [at(180), at(120), start])
            #expect(Set(all.map(\.id)).count == 3 && all[0].id > all[1].id && all[1].id > all[2].id)
            #expect(try await store.alerts(limit: 2).map(\.alert.key) == [held.key, extended.key])
            #expect(try await store.alertKeys() == [expiring.key, extended.key, held.key])
            #expect(try await store.auditLog(limit: 10).isEmpty)
            try await store.close()
        }

        @Test("a certificate is found by its id; an unknown id finds nothing", arguments: StoreKind.allCases)
        func certificateByID(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            #expect(try await store.certificate(id: 1) == nil)
            let first = try await store.insertCertificate(certificate("a", state: .active), actor: admin)
            var stored = certificate("b", host: nil)
            stored.privateKeyID = nil
            stored.fromSigningRequest = true
            let second = try await store.insertCertificate(stored, actor: admin)
            stored.id = second
            #expect(try await store.certificate(id: second) == stored)
            #expect(try await store.certificate(id: first)?.sha256 == String(repeating: "a", count: 64))
            #expect(try await store.certificate(id: second + 1) == nil)
            try await store.close()
        }

        // MARK: Migration

        @Test("a rollover stored before the lifecycle reads its check and deadline as its creation time", arguments: StoreKind.allCases)
        func rolloverFromVersion3(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            let created = Int64(1_700_000_000)
            let store: any Store
            switch kind {
            case .sqlite:
                let sqlite = try SQLiteStore(path: folder.url.appendingPathComponent("v3.sqlite").path)
                var migrator = DatabaseMigrator()
                for migration in StoreSchema.migrations(.sqlite) where migration.version <= 3 {
                    migrator.registerMigration("v\(migration.version)") { db in
                        for statement in migration.statements { try db.execute(sql: statement) }
                    }
                }
                try migrator.migrate(sqlite.pool)
                try await sqlite.pool.write { db in
                    try db.execute(sql: "INSERT INTO rollovers (certificate_id, preset, state, created_at) VALUES (NULL, 'trust', 'open', ?)",
                                   arguments: [created])
                }
                store = sqlite
            case .postgres:
                // Opened by the fixture to start from an empty database, then taken back to version 3.
                guard let opened = try await kind.open(in: folder.url) as? PostgresStore else { return }
                let logger = opened.testLogger
                try await opened.client.query("DROP SCHEMA public CASCADE", logger: logger)
                try await opened.client.query("CREATE SCHEMA public", logger: logger)
                try await opened.client.query("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)", logger: logger)
                for migration in StoreSchema.migrations(.postgres) where migration.version <= 3 {
                    for statement in migration.statements { try await opened.client.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                    try await opened.client.query("INSERT INTO schema_migrations (version) VALUES (\(migration.version))", logger: logger)
                }
                try await opened.client.query("""
                    INSERT INTO rollovers (certificate_id, preset, state, created_at) VALUES (NULL, 'trust', 'open', \(created))
                    """, logger: logger)
                store = opened
            }
            try await store.migrate()
            let record = try #require(try await store.rollovers().first)
            #expect(record == RolloverRecord(id: record.id, certificateID: nil, preset: "trust", state: .open, createdAt: start))
            #expect(record.checkAt == start && record.deadline == start && record.extensions == 0)
            #expect(try await store.alerts(limit: 1).isEmpty)
            try await store.close()
        }
    }
}
