import Foundation
import RolloverCore
import Testing
@testable import RolloverStore

// Nested in the serialized conformance suite: every PostgreSQL test drops and recreates the same database, so
// these must never run at the same time as the others.
extension StoreConformanceTests {
    /// Enrollment secrets, devices, trust material, syncs and retries: the same behaviour on SQLite and PostgreSQL.
    @Suite("Device store conformance")
    struct Devices {
        let admin = AuditActor("alice")
        /// Whole seconds, since both stores keep time in seconds.
        let start = Date(timeIntervalSince1970: 1_700_000_000)

        func newDevice(_ index: Int, platform: DevicePlatform = .linux, at: Date? = nil, agentVersion: String? = nil,
                       secretID: Int64? = nil) -> NewDevice {
            NewDevice(name: "device-\(index)", platform: platform, tokenSHA256: String(format: "%064x", index), enrolledAt: at ?? start,
                      agentVersion: agentVersion, enrollmentSecretID: secretID)
        }

        func artifact(_ fingerprint: String, role: TrustRole = .anchor) -> TrustArtifactRecord {
            TrustArtifactRecord(sha256: fingerprint, der: [0x30, 0x03, 0x02, 0x01, 0x07], subject: "CN=Root \(fingerprint)",
                                notAfter: start.addingTimeInterval(86_400 * 365), role: role, addedAt: start)
        }

        func sync(_ deviceID: Int64, at offset: TimeInterval = 0, platform: DevicePlatform? = nil, held: [String]? = nil,
                  _ deliveries: [SyncReport.DeliveryUpdate] = []) -> SyncReport {
            SyncReport(deviceID: deviceID, seenAt: start.addingTimeInterval(offset), agentVersion: "2.0", platform: platform, held: held,
                       deliveries: deliveries)
        }

        /// The delivery of the device's newest rollover.
        func latestDelivery(_ store: any Store, _ deviceID: Int64) async throws -> DeviceDelivery? {
            try await store.deviceDeliveries(deviceID: deviceID).first
        }

        static let noCounts: [DeliveryState: Int] = [.pending: 0, .delivered: 0, .installed: 0, .failed: 0, .retrying: 0]

        static func counts(_ nonZero: [DeliveryState: Int]) -> [DeliveryState: Int] {
            noCounts.merging(nonZero) { $1 }
        }

        // MARK: Enrollment secrets

        @Test("a secret limited to two devices enrolls two, refuses the third atomically, and counts its uses", arguments: StoreKind.allCases)
        func enrollmentSecretMaximumUses(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let hash = String(repeating: "7", count: 64)
            let id = try await store.insertEnrollmentSecret(name: "kiosks", secretSHA256: hash, expiresAt: nil, maxUses: 2, actor: admin)
            let tooMany = await #expect(throws: StoreError.self) {
                _ = try await store.insertDevices([newDevice(1, secretID: id), newDevice(2, secretID: id), newDevice(3, secretID: id)],
                                                  deliveryState: .delivered, actor: admin)
            }
            #expect(tooMany?.specificCode == "enrollment-secret-used-up")
            #expect(try await store.deviceCount() == 0, "a refused batch records no device")
            _ = try await store.insertDevices([newDevice(1, secretID: id)], deliveryState: .delivered, actor: admin)
            _ = try await store.insertDevices([newDevice(2, secretID: id)], deliveryState: .delivered, actor: admin)
            let used = try #require(try await store.enrollmentSecret(secretSHA256: hash))
            #expect(used.maxUses == 2 && used.uses == 2 && !used.admits(at: start))
            let third = await #expect(throws: StoreError.self) {
                _ = try await store.insertDevices([newDevice(3, secretID: id)], deliveryState: .delivered, actor: admin)
            }
            #expect(third?.specificCode == "enrollment-secret-used-up")
            #expect(try await store.enrollmentSecrets().first { $0.id == id }?.uses == 2)
            let unlimited = try await store.insertEnrollmentSecret(name: "open", secretSHA256: String(repeating: "8", count: 64), expiresAt: nil,
                                                                   actor: admin)
            _ = try await store.insertDevices((4..<10).map { newDevice($0, secretID: unlimited) }, deliveryState: .delivered, actor: admin)
            #expect(try await store.enrollmentSecrets().first { $0.id == unlimited }.map { $0.maxUses == nil && $0.uses == 6 } == true)
        }

        @Test("an enrollment secret is found by its hash, its name is unique, and it is revoked once", arguments: StoreKind.allCases)
        func enrollmentSecretLifecycle(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let hash = String(repeating: "e", count: 64)
            let expires = start.addingTimeInterval(86_400)
            let id = try await store.insertEnrollmentSecret(name: "fleet", secretSHA256: hash, expiresAt: expires, actor: admin)
            let duplicate = await #expect(throws: StoreError.self) {
                _ = try await store.insertEnrollmentSecret(name: "fleet", secretSHA256: String(repeating: "f", count: 64), expiresAt: nil,
                                                           actor: admin)
            }
            #expect(duplicate?.code == .conflict)

            let found = try #require(try await store.enrollmentSecret(secretSHA256: hash))
            #expect(found.id == id && found.name == "fleet" && found.secretSHA256 == hash)
            #expect(found.expiresAt == expires && found.revokedAt == nil)
            #expect(abs(found.createdAt.timeIntervalSinceNow) < 60)
            #expect(found.admits(at: start) && !found.admits(at: expires))
            #expect(try await store.enrollmentSecret(secretSHA256: String(repeating: "0", count: 64)) == nil)

            let open = try await store.insertEnrollmentSecret(name: "lab", secretSHA256: String(repeating: "1", count: 64), expiresAt: nil,
                                                              actor: admin)
            #expect(try await store.enrollmentSecrets().map(\.id) == [id, open])
            #expect(try await store.enrollmentSecrets().last?.expiresAt == nil)

            try await store.revokeEnrollmentSecret(name: "fleet", actor: admin)
            let revoked = try #require(try await store.enrollmentSecret(secretSHA256: hash))
            #expect(revoked.revokedAt != nil && !revoked.admits(at: start))
            let again = await #expect(throws: StoreError.self) { try await store.revokeEnrollmentSecret(name: "fleet", actor: admin) }
            #expect(again?.code == .notFound)
            let unknown = await #expect(throws: StoreError.self) { try await store.revokeEnrollmentSecret(name: "nobody", actor: admin) }
            #expect(unknown?.code == .notFound)

            let log = try await store.auditLog(limit: 3)
            #expect(log.map(\.action) == ["enrollment-secret.revoke", "enrollment-secret.create", "enrollment-secret.create"])
            #expect(log.first?.detail == "fleet" && log.last?.subjectID == id && log.last?.subjectKind == "enrollment-secret")
            try await store.close()
        }

        // MARK: Devices

        @Test("enrolled devices get a delivery in the given state for every open rollover, and the counts follow",
              arguments: StoreKind.allCases)
        func enrollmentJoinsOpenRollovers(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let first = try await store.insertDevices((0..<3).map { newDevice($0) }, deliveryState: .pending, actor: admin)
            #expect(first.count == 3 && first == first.sorted())
            let manual = try await store.insertRollover(certificateID: nil, preset: "trust", at: start, actor: admin)
            let tracked = try #require(try await store.insertTrustArtifact(artifact("a1"), tracked: true, actor: admin).rolloverID)
            let cancelled = try #require(try await store.insertTrustArtifact(artifact("c1"), tracked: true, actor: admin).rolloverID)
            try await store.withdrawTrustArtifact(sha256: "c1", at: start, actor: admin)
            for rollover in [manual, tracked, cancelled] {
                #expect(try await store.deliveryCounts(rolloverID: rollover) == Self.counts([.pending: 3]))
            }

            // Enrolled with the material in its answer: delivered, one attempt made.
            let enrolledAt = start.addingTimeInterval(120)
            let delivered = try await store.insertDevices([newDevice(10, at: enrolledAt), newDevice(11, at: enrolledAt)],
                                                          deliveryState: .delivered, actor: admin)
            #expect(delivered.count == 2 && delivered.allSatisfy { $0 > first.last! })
            for rollover in [manual, tracked] {
                #expect(try await store.deliveryCounts(rolloverID: rollover) == Self.counts([.pending: 3, .delivered: 2]))
            }
            #expect(try await store.deliveryCounts(rolloverID: cancelled) == Self.counts([.pending: 3]), "a cancelled rollover takes no new devices")
            let history = try await store.deviceDeliveries(deviceID: delivered[0])
            #expect(history == [
                DeviceDelivery(rolloverID: tracked, state: .delivered, reason: nil, attempts: 1, updatedAt: enrolledAt),
                DeviceDelivery(rolloverID: manual, state: .delivered, reason: nil, attempts: 1, updatedAt: enrolledAt),
            ])

            // A bulk load: pending, nothing sent yet.
            let bulk = try await store.insertDevices([newDevice(20)], deliveryState: .pending, actor: admin)
            #expect(try await store.deviceDeliveries(deviceID: bulk[0]).map(\.attempts) == [0, 0])
            #expect(try await store.deviceDeliveries(deviceID: bulk[0]).map(\.state) == [.pending, .pending])
            #expect(try await store.deliveryCounts(rolloverID: manual) == Self.counts([.pending: 4, .delivered: 2]))
            #expect(try await store.deviceCount() == 6)

            let all = try await store.deliveryPage(rolloverID: tracked, state: nil, afterDeviceID: nil, limit: 100)
            #expect(all.map(\.deviceID) == first + delivered + bulk)

            let log = try await store.auditLog(limit: 2)
            #expect(log.map(\.action) == ["device.enroll", "device.enroll"])
            #expect(log[0].detail == "device-20" && log[0].subjectID == bulk[0] && log[0].subjectKind == "device")
            #expect(log[1].detail == "2 devices" && log[1].subjectID == delivered[0])
            try await store.close()
        }

        @Test("a device is found by the hash of its token and by its id, with what it enrolled with", arguments: StoreKind.allCases)
        func devicesAreFoundByTokenAndID(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let secret = try await store.insertEnrollmentSecret(name: "fleet", secretSHA256: String(repeating: "e", count: 64),
                                                                expiresAt: nil, actor: admin)
            let ids = try await store.insertDevices([
                newDevice(1, platform: .windows, agentVersion: "1.4.2", secretID: secret), newDevice(2, platform: .android),
            ], deliveryState: .pending, actor: admin)
            let byToken = try #require(try await store.device(tokenSHA256: String(format: "%064x", 1)))
            #expect(byToken == DeviceRecord(id: ids[0], name: "device-1", platform: .windows, tokenSHA256: String(format: "%064x", 1),
                                            agentVersion: "1.4.2", enrolledAt: start, lastSeenAt: nil, retiredAt: nil))
            #expect(try await store.device(id: ids[0]) == byToken)
            let second = try #require(try await store.device(id: ids[1]))
            #expect(second.platform == .android && second.agentVersion == nil && second.name == "device-2")
            #expect(try await store.device(tokenSHA256: String(format: "%064x", 3)) == nil)
            #expect(try await store.device(id: 9_999) == nil)
            let taken = await #expect(throws: StoreError.self, "a token is enrolled once") {
                _ = try await store.insertDevices([newDevice(1)], deliveryState: .pending, actor: admin)
            }
            #expect(taken?.code == .conflict)
            #expect(try await store.deviceCount() == 2)
            try await store.close()
        }

        @Test("device pages are keyset pages by id, narrowed by platform, last seen and delivery state", arguments: StoreKind.allCases)
        func filteredDevicePages(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let platforms = DevicePlatform.allCases
            let ids = try await store.insertDevices((0..<10).map { newDevice($0, platform: platforms[$0 % platforms.count]) },
                                                    deliveryState: .pending, actor: admin)
            let rollover = try await store.insertRollover(certificateID: nil, preset: "trust", at: start, actor: admin)
            // Devices 0–5 sync, an hour apart; 0–2 install, 3 fails. Devices 6–9 have never been seen.
            try await store.recordSyncs((0..<6).map { index in
                let state: DeliveryState = index < 3 ? .installed : index == 3 ? .failed : .delivered
                return sync(ids[index], at: TimeInterval(index) * 3_600, [.init(rolloverID: rollover, state: state)])
            })

            var paged: [Int64] = []
            var after: Int64?
            while true {
                let page = try await store.devices(matching: DeviceFilter(), afterID: after, limit: 3)
                #expect(page.count <= 3)
                guard let last = page.last else { break }
                paged += page.map(\.id)
                after = last.id
            }
            #expect(paged == ids)

            let macs = try await store.devices(matching: DeviceFilter(platform: .macos), afterID: nil, limit: 10)
            #expect(macs.map(\.id) == [ids[0], ids[5]] && macs.allSatisfy { $0.platform == .macos })
            #expect(try await store.devices(matching: DeviceFilter(platform: .macos), afterID: ids[0], limit: 10).map(\.id) == [ids[5]])

            let cut = start.addingTimeInterval(2 * 3_600)
            let stale = try await store.devices(matching: DeviceFilter(seenBefore: cut), afterID: nil, limit: 100)
            #expect(stale.map(\.id) == [ids[0], ids[1]] + ids[6...], "never seen counts as seen before")
            let recent = try await store.devices(matching: DeviceFilter(seenAfter: cut), afterID: nil, limit: 100)
            #expect(recent.map(\.id) == Array(ids[2...5]))
            #expect(recent.allSatisfy { $0.lastSeenAt != nil && $0.agentVersion == "2.0" })
            let window = DeviceFilter(seenBefore: start.addingTimeInterval(4 * 3_600), seenAfter: start.addingTimeInterval(3_600))
            #expect(try await store.devices(matching: window, afterID: nil, limit: 100).map(\.id) == Array(ids[1...3]))

            let installed = DeviceFilter(rolloverID: rollover, deliveryState: .installed)
            #expect(try await store.devices(matching: installed, afterID: nil, limit: 100).map(\.id) == Array(ids[0...2]))
            #expect(try await store.devices(matching: installed, afterID: ids[0], limit: 1).map(\.id) == [ids[1]])
            let pending = DeviceFilter(rolloverID: rollover, deliveryState: .pending)
            #expect(try await store.devices(matching: pending, afterID: nil, limit: 100).map(\.id) == Array(ids[6...]))
            let failedAndroid = DeviceFilter(platform: .android, rolloverID: rollover, deliveryState: .failed)
            #expect(try await store.devices(matching: failedAndroid, afterID: nil, limit: 100).map(\.id) == [ids[3]])
            let failedMacs = DeviceFilter(platform: .macos, rolloverID: rollover, deliveryState: .failed)
            #expect(try await store.devices(matching: failedMacs, afterID: nil, limit: 100).isEmpty)
            #expect(try await store.devices(matching: DeviceFilter(rolloverID: rollover), afterID: nil, limit: 100).map(\.id) == ids)
            #expect(try await store.devices(matching: DeviceFilter(rolloverID: rollover + 1), afterID: nil, limit: 100).isEmpty)
            try await store.close()
        }

        @Test("a retired device leaves the default listing, the count and later rollovers; it is retired once", arguments: StoreKind.allCases)
        func retiredDevicesAreHidden(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let ids = try await store.insertDevices((0..<3).map { newDevice($0) }, deliveryState: .pending, actor: admin)
            try await store.retireDevice(id: ids[1], actor: admin)
            #expect(try await store.deviceCount() == 2)
            #expect(try await store.devices(matching: DeviceFilter(), afterID: nil, limit: 10).map(\.id) == [ids[0], ids[2]])
            let everyone = try await store.devices(matching: DeviceFilter(includeRetired: true), afterID: nil, limit: 10)
            #expect(everyone.map(\.id) == ids)
            #expect(everyone[1].retiredAt != nil && everyone[0].retiredAt == nil)
            #expect(try await store.device(id: ids[1])?.retiredAt != nil, "still found, so its token can be refused by name")

            let twice = await #expect(throws: StoreError.self) { try await store.retireDevice(id: ids[1], actor: admin) }
            #expect(twice?.code == .notFound)
            let missing = await #expect(throws: StoreError.self) { try await store.retireDevice(id: 9_999, actor: admin) }
            #expect(missing?.code == .notFound)

            let rollover = try await store.insertRollover(certificateID: nil, preset: "trust", at: start, actor: admin)
            #expect(try await store.deliveryCounts(rolloverID: rollover) == Self.counts([.pending: 2]))
            #expect(try await store.deviceDeliveries(deviceID: ids[1]).isEmpty)
            #expect(try await store.rollovers().map(\.state) == [.open])

            let log = try await store.auditLog(limit: 2)
            #expect(log.map(\.action) == ["rollover.create", "device.retire"])
            #expect(log[0].detail == "trust" && log[1].subjectID == ids[1])
            try await store.close()
        }

        // MARK: Trust material

        @Test("a tracked trust artifact starts a trust rollover pending on every device; the same certificate is in the material once",
              arguments: StoreKind.allCases)
        func trackedArtifactStartsRollover(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let ids = try await store.insertDevices((0..<4).map { newDevice($0) }, deliveryState: .pending, actor: admin)
            let added = try await store.insertTrustArtifact(artifact("a1", role: .pin), tracked: true, actor: admin)
            let rollover = try #require(added.rolloverID)
            #expect(added.id > 0 && added.sha256 == "a1" && added.role == .pin)
            #expect(try await store.rollovers() == [RolloverRecord(id: rollover, certificateID: nil, preset: "trust", state: .open, createdAt: start)])
            #expect(try await store.deliveryCounts(rolloverID: rollover) == Self.counts([.pending: 4]))
            #expect(try await store.deliveryPage(rolloverID: rollover, state: .pending, afterDeviceID: nil, limit: 10).map(\.deviceID) == ids)

            let standing = try await store.insertTrustArtifact(artifact("s1"), tracked: false, actor: admin)
            #expect(standing.rolloverID == nil && standing.id > added.id)
            #expect(try await store.rollovers().count == 1, "untracked material starts no rollover")

            let duplicate = await #expect(throws: StoreError.self) {
                _ = try await store.insertTrustArtifact(artifact("a1"), tracked: true, actor: admin)
            }
            #expect(duplicate?.code == .conflict)
            #expect(try await store.rollovers().count == 1, "a refused artifact leaves no rollover behind")

            #expect(try await store.trustArtifacts(includeWithdrawn: false) == [added, standing])
            let log = try await store.auditLog(limit: 3)
            #expect(log.map(\.action) == ["trust.add", "trust.add", "rollover.create"])
            #expect(log[1].subjectID == added.id && log[1].subjectKind == "trust-artifact" && log[1].detail == "pin CN=Root a1 sha256 a1")
            #expect(log[2].subjectID == rollover)
            try await store.close()
        }

        @Test("withdrawing an artifact cancels its rollover and lets it be added again; listings show withdrawn ones only when asked",
              arguments: StoreKind.allCases)
        func withdrawnArtifacts(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            _ = try await store.insertDevices((0..<2).map { newDevice($0) }, deliveryState: .pending, actor: admin)
            let first = try await store.insertTrustArtifact(artifact("a1"), tracked: true, actor: admin)
            let other = try await store.insertTrustArtifact(artifact("b1"), tracked: false, actor: admin)
            let withdrawnAt = start.addingTimeInterval(600)
            try await store.withdrawTrustArtifact(sha256: "a1", at: withdrawnAt, actor: admin)
            #expect(try await store.rollovers().map(\.state) == [.cancelled])
            #expect(try await store.trustArtifacts(includeWithdrawn: false) == [other])
            var expectedWithdrawn = first
            expectedWithdrawn.withdrawnAt = withdrawnAt
            #expect(try await store.trustArtifacts(includeWithdrawn: true) == [expectedWithdrawn, other])

            let again = await #expect(throws: StoreError.self) { try await store.withdrawTrustArtifact(sha256: "a1", at: withdrawnAt, actor: admin) }
            #expect(again?.code == .notFound)
            let log = try await store.auditLog(limit: 1)
            #expect(log.first?.action == "trust.withdraw" && log.first?.subjectID == first.id && log.first?.detail == "sha256 a1")

            let readded = try await store.insertTrustArtifact(artifact("a1"), tracked: true, actor: admin)
            #expect(readded.id != first.id && readded.rolloverID != first.rolloverID)
            #expect(try await store.rollovers().map(\.state) == [.cancelled, .open])
            #expect(try await store.trustArtifacts(includeWithdrawn: false).map(\.id) == [other.id, readded.id])
            #expect(try await store.trustArtifacts(includeWithdrawn: true).map(\.id) == [first.id, other.id, readded.id])

            // Standing material has no rollover to cancel.
            try await store.withdrawTrustArtifact(sha256: "b1", at: withdrawnAt, actor: admin)
            #expect(try await store.rollovers().map(\.state) == [.cancelled, .open])
            try await store.close()
        }

        // MARK: Syncs, history, retries

        @Test("a sync that reports held fingerprints replaces the device's trust store; one that reports none leaves it",
              arguments: StoreKind.allCases)
        func heldFingerprintsReplaceTrust(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let ids = try await store.insertDevices((0..<2).map { newDevice($0) }, deliveryState: .pending, actor: admin)
            try await store.recordSyncs([sync(ids[0], held: ["bb", "aa", "bb"]), sync(ids[1], held: ["cc"])])
            #expect(try await store.deviceTrust(deviceID: ids[0]) == ["aa", "bb"])
            #expect(try await store.deviceTrust(deviceID: ids[1]) == ["cc"])

            try await store.recordSyncs([sync(ids[0], at: 60, platform: .ios), sync(ids[1], at: 60, held: ["dd", "cc"])])
            #expect(try await store.deviceTrust(deviceID: ids[0]) == ["aa", "bb"], "nil means unchanged")
            #expect(try await store.deviceTrust(deviceID: ids[1]) == ["cc", "dd"])
            let moved = try #require(try await store.device(id: ids[0]))
            #expect(moved.platform == .ios && moved.lastSeenAt == start.addingTimeInterval(60) && moved.agentVersion == "2.0")

            // In one batch the device's last report wins; a later report without fingerprints keeps the earlier ones.
            try await store.recordSyncs([sync(ids[0], at: 120, held: ["ee"]), sync(ids[0], at: 180, held: nil),
                                         sync(ids[1], at: 120, held: [])])
            #expect(try await store.deviceTrust(deviceID: ids[0]) == ["ee"])
            #expect(try await store.deviceTrust(deviceID: ids[1]).isEmpty)
            #expect(try await store.device(id: ids[0])?.lastSeenAt == start.addingTimeInterval(180))
            #expect(try await store.device(id: ids[0])?.platform == .ios, "a report without a platform keeps it")
            try await store.close()
        }

        @Test("each re-send counts an attempt, a report of the same state changes nothing, and the counts follow", arguments: StoreKind.allCases)
        func attemptsAndRepeats(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let ids = try await store.insertDevices((0..<2).map { newDevice($0) }, deliveryState: .pending, actor: admin)
            let rollover = try await store.insertRollover(certificateID: nil, preset: "trust", at: start, actor: admin)
            try await store.recordSyncs([sync(ids[0], at: 10, [.init(rolloverID: rollover, state: .delivered, attempted: true)])])
            #expect(try await latestDelivery(store, ids[0]) == DeviceDelivery(rolloverID: rollover, state: .delivered, reason: nil, attempts: 1,
                                                                updatedAt: start.addingTimeInterval(10)))
            try await store.recordSyncs([sync(ids[0], at: 20, [.init(rolloverID: rollover, state: .delivered)])])
            #expect(try await latestDelivery(store, ids[0])?.updatedAt == start.addingTimeInterval(10), "a repeat is not a change")

            try await store.recordSyncs([sync(ids[0], at: 30, [.init(rolloverID: rollover, state: .failed, reason: "read-only store")])])
            #expect(try await latestDelivery(store, ids[0]) == DeviceDelivery(rolloverID: rollover, state: .failed, reason: "read-only store", attempts: 1,
                                                                updatedAt: start.addingTimeInterval(30)))
            try await store.recordSyncs([sync(ids[0], at: 40, [.init(rolloverID: rollover, state: .failed, reason: "still read-only")])])
            #expect(try await latestDelivery(store, ids[0])?.reason == "still read-only", "a new reason is recorded even in the same state")
            #expect(try await store.deliveryCounts(rolloverID: rollover) == Self.counts([.pending: 1, .failed: 1]))

            // Two re-sends in one batch are two attempts; the delivery ends where the last report left it.
            try await store.recordSyncs([
                sync(ids[0], at: 50, [.init(rolloverID: rollover, state: .retrying, attempted: true)]),
                sync(ids[1], at: 50, [.init(rolloverID: rollover, state: .delivered, attempted: true)]),
                sync(ids[0], at: 60, [.init(rolloverID: rollover, state: .retrying, attempted: true)]),
                sync(ids[1], at: 60, [.init(rolloverID: rollover, state: .installed)]),
                sync(ids[1], at: 70, [.init(rolloverID: rollover, state: .installed)]),
            ])
            #expect(try await latestDelivery(store, ids[0]) == DeviceDelivery(rolloverID: rollover, state: .retrying, reason: nil, attempts: 3,
                                                                updatedAt: start.addingTimeInterval(60)))
            #expect(try await latestDelivery(store, ids[1]) == DeviceDelivery(rolloverID: rollover, state: .installed, reason: nil, attempts: 1,
                                                                updatedAt: start.addingTimeInterval(60)))
            #expect(try await store.deliveryCounts(rolloverID: rollover) == Self.counts([.retrying: 1, .installed: 1]))

            // A batch that leaves a delivery where it was still rewrites it when a report in between moved it.
            try await store.recordSyncs([
                sync(ids[1], at: 80, [.init(rolloverID: rollover, state: .delivered)]),
                sync(ids[1], at: 90, [.init(rolloverID: rollover, state: .installed)]),
            ])
            #expect(try await latestDelivery(store, ids[1])?.updatedAt == start.addingTimeInterval(90))
            #expect(try await store.deliveryCounts(rolloverID: rollover) == Self.counts([.retrying: 1, .installed: 1]))

            // A report about a rollover the device has no delivery in changes nothing but its last-seen time.
            try await store.recordSyncs([sync(ids[1], at: 100, [.init(rolloverID: rollover + 1, state: .installed, attempted: true)])])
            #expect(try await store.deviceDeliveries(deviceID: ids[1]).count == 1)
            #expect(try await store.device(id: ids[1])?.lastSeenAt == start.addingTimeInterval(100))
            try await store.close()
        }

        @Test("a device's delivery history lists its rollovers newest first, with state, reason and attempts", arguments: StoreKind.allCases)
        func deviceDeliveryHistory(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let ids = try await store.insertDevices((0..<2).map { newDevice($0) }, deliveryState: .pending, actor: admin)
            let older = try await store.insertRollover(certificateID: nil, preset: "trust", at: start, actor: admin)
            let newer = try await store.insertRollover(certificateID: nil, preset: "trust", at: start.addingTimeInterval(5), actor: admin)
            try await store.recordSyncs([sync(ids[0], at: 30, [
                .init(rolloverID: older, state: .installed, attempted: true),
                .init(rolloverID: newer, state: .failed, reason: "no room", attempted: true),
            ])])
            #expect(try await store.deviceDeliveries(deviceID: ids[0]) == [
                DeviceDelivery(rolloverID: newer, state: .failed, reason: "no room", attempts: 1, updatedAt: start.addingTimeInterval(30)),
                DeviceDelivery(rolloverID: older, state: .installed, reason: nil, attempts: 1, updatedAt: start.addingTimeInterval(30)),
            ])
            #expect(try await store.deviceDeliveries(deviceID: ids[1]) == [
                DeviceDelivery(rolloverID: newer, state: .pending, reason: nil, attempts: 0, updatedAt: start.addingTimeInterval(5)),
                DeviceDelivery(rolloverID: older, state: .pending, reason: nil, attempts: 0, updatedAt: start),
            ])
            #expect(try await store.deviceDeliveries(deviceID: 9_999).isEmpty)
            try await store.close()
        }

        @Test("retrying failed deliveries moves them to retrying by rollover, by device or both, and moves the counts",
              arguments: StoreKind.allCases)
        func retryFailedDeliveries(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let ids = try await store.insertDevices((0..<4).map { newDevice($0) }, deliveryState: .pending, actor: admin)
            let first = try await store.insertRollover(certificateID: nil, preset: "trust", at: start, actor: admin)
            let second = try await store.insertRollover(certificateID: nil, preset: "trust", at: start, actor: admin)
            let update = SyncReport.DeliveryUpdate.init(rolloverID:state:reason:attempted:)
            try await store.recordSyncs([
                sync(ids[0], at: 10, [update(first, .failed, "full", false), update(second, .failed, "full", false)]),
                sync(ids[1], at: 10, [update(first, .failed, "full", false), update(second, .installed, nil, false)]),
                sync(ids[2], at: 10, [update(first, .installed, nil, false), update(second, .failed, "full", false)]),
            ])
            #expect(try await store.deliveryCounts(rolloverID: first) == Self.counts([.failed: 2, .installed: 1, .pending: 1]))
            #expect(try await store.deliveryCounts(rolloverID: second) == Self.counts([.failed: 2, .installed: 1, .pending: 1]))

            let retryAt = start.addingTimeInterval(600)
            #expect(try await store.retryFailedDeliveries(rolloverID: first, deviceID: nil, at: retryAt, actor: admin) == 2)
            #expect(try await store.deliveryCounts(rolloverID: first) == Self.counts([.retrying: 2, .installed: 1, .pending: 1]))
            #expect(try await store.deliveryCounts(rolloverID: second) == Self.counts([.failed: 2, .installed: 1, .pending: 1]))
            var log = try #require(try await store.auditLog(limit: 1).first)
            #expect(log.action == "delivery.retry" && log.subjectKind == "rollover" && log.subjectID == first)
            #expect(log.detail == "2 failed deliveries (rollover \(first))")
            let retried = try #require(try await store.deviceDeliveries(deviceID: ids[1]).first { $0.rolloverID == first })
            #expect(retried.state == .retrying && retried.updatedAt == retryAt && retried.attempts == 1, "a retry is one more attempt")

            #expect(try await store.retryFailedDeliveries(rolloverID: second, deviceID: ids[0], at: retryAt, actor: admin) == 1)
            #expect(try await store.deliveryCounts(rolloverID: second) == Self.counts([.failed: 1, .retrying: 1, .installed: 1, .pending: 1]))
            log = try #require(try await store.auditLog(limit: 1).first)
            #expect(log.subjectKind == "device" && log.subjectID == ids[0] && log.detail == "1 failed deliveries (rollover \(second), device \(ids[0]))")

            #expect(try await store.retryFailedDeliveries(rolloverID: nil, deviceID: ids[2], at: retryAt, actor: admin) == 1)
            #expect(try await store.deliveryCounts(rolloverID: second) == Self.counts([.retrying: 2, .installed: 1, .pending: 1]))
            #expect(try await store.retryFailedDeliveries(rolloverID: nil, deviceID: nil, at: retryAt, actor: admin) == 0)
            log = try #require(try await store.auditLog(limit: 1).first)
            #expect(log.subjectKind == "rollover" && log.subjectID == nil && log.detail == "0 failed deliveries (all)")

            for rollover in [first, second] {
                let counts = try await store.deliveryCounts(rolloverID: rollover)
                #expect(counts.values.reduce(0, +) == 4)
                let rows = try await store.deliveryPage(rolloverID: rollover, state: .retrying, afterDeviceID: nil, limit: 10)
                #expect(rows.count == counts[.retrying])
            }
            try await store.close()
        }

        @Test("unconfirmed devices are the active, unretired ones whose trust store holds none of the fingerprints",
              arguments: StoreKind.allCases)
        func unconfirmedDevices(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let ids = try await store.insertDevices((0..<6).map { newDevice($0) }, deliveryState: .pending, actor: admin)
            let active = start.addingTimeInterval(3_600)
            try await store.recordSyncs([
                sync(ids[0], at: 7_200, held: ["new", "old"]),
                sync(ids[1], at: 7_200, held: ["old"]),
                sync(ids[2], at: 3_600, held: []),
                sync(ids[3], at: 0, held: ["old"]),   // not active: seen before the window
                sync(ids[4], at: 7_200, held: []),    // retired below
                // ids[5] has never synced
            ])
            try await store.retireDevice(id: ids[4], actor: admin)
            #expect(try await store.unconfirmedDeviceCount(fingerprints: ["new"], activeSince: active) == 2)
            #expect(try await store.unconfirmedDeviceCount(fingerprints: ["new", "old"], activeSince: active) == 1)
            #expect(try await store.unconfirmedDeviceCount(fingerprints: ["other"], activeSince: active) == 3)
            #expect(try await store.unconfirmedDeviceCount(fingerprints: [], activeSince: active) == 3)
            #expect(try await store.unconfirmedDeviceCount(fingerprints: ["new"], activeSince: start) == 3)
            #expect(try await store.unconfirmedDeviceCount(fingerprints: ["new"], activeSince: start.addingTimeInterval(86_400)) == 0)
            try await store.close()
        }
    }
}
