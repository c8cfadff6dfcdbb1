import Crypto
import Foundation
import RolloverCore
import Testing
@testable import RolloverStore

/// One suite, both stores: what the server relies on must behave the same on SQLite and PostgreSQL.
@Suite("Store conformance", .serialized)
struct StoreConformanceTests {
    let admin = AuditActor("alice")

    func sealedKey(_ vault: KeyVault, purpose: String = "server") throws -> (P256.Signing.PrivateKey, SealedPrivateKey) {
        let key = P256.Signing.PrivateKey()
        let fingerprint = SHA256.hash(data: key.publicKey.derRepresentation).map { String(format: "%02x", $0) }.joined()
        return (key, try vault.seal(Array(key.derRepresentation), publicKeySHA256: fingerprint, algorithm: "ec P-256", purpose: purpose))
    }

    @Test("a stored key opens and signs, and is found by its public key", arguments: StoreKind.allCases)
    func keysRoundTrip(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        guard let store = try await kind.open(in: folder.url) else { return }
        let vault = KeyVault(masterKey: .generate())
        let (key, sealed) = try sealedKey(vault)
        let id = try await store.insertPrivateKey(sealed, actor: admin)
        #expect(try await store.privateKeyID(publicKeySHA256: sealed.publicKeySHA256) == id)
        let reopened = try P256.Signing.PrivateKey(derRepresentation: try vault.open(try #require(await store.privateKey(id: id))))
        let signature = try reopened.signature(for: Data("hello".utf8))
        #expect(key.publicKey.isValidSignature(signature, for: Data("hello".utf8)))
        await #expect(throws: StoreError.self) { _ = try await store.insertPrivateKey(sealed, actor: admin) }
        try await store.close()
    }

    @Test("rotating the master key re-seals every key at once; the old master key no longer opens them", arguments: StoreKind.allCases)
    func masterKeyRotation(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        guard let store = try await kind.open(in: folder.url) else { return }
        let old = KeyVault(masterKey: .generate())
        var originals: [Int64: P256.Signing.PrivateKey] = [:]
        for _ in 0..<3 {
            let (key, sealed) = try sealedKey(old)
            originals[try await store.insertPrivateKey(sealed, actor: admin)] = key
        }
        let new = KeyVault(masterKey: .generate())
        try await store.replacePrivateKeys(try old.reseal(try await store.allPrivateKeys(), under: new), actor: .system)
        for (id, sealed) in try await store.allPrivateKeys() {
            #expect(sealed.masterKeyID == new.masterKey.id)
            #expect(try new.open(sealed) == Array(try #require(originals[id]).derRepresentation))
            #expect(throws: StoreError.self) { try old.open(sealed) }
        }
        // A rotation computed before a key was added must not silently skip it.
        let stale = try old.reseal([:], under: new)
        await #expect(throws: StoreError.self) { try await store.replacePrivateKeys(stale, actor: .system) }
        try await store.close()
    }

    @Test("every change records who, what and which subject in the audit log", arguments: StoreKind.allCases)
    func changesAreAudited(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        guard let store = try await kind.open(in: folder.url) else { return }
        let vault = KeyVault(masterKey: .generate())
        let keyID = try await store.insertPrivateKey(try sealedKey(vault).1, actor: admin)
        let certificateID = try await store.insertCertificate(Self.certificate(keyID: keyID), actor: admin)
        try await store.setCertificateState(id: certificateID, to: .active, actor: .system)
        try await store.setSetting("https", to: "on", actor: admin)
        #expect(try await store.settings() == ["https": "on"], "every stored setting in one read")
        _ = try await store.insertAdminToken(name: "initial-admin", tokenSHA256: String(repeating: "f", count: 64), actor: .system)
        _ = try await store.insertAdminToken(name: "ci", tokenSHA256: String(repeating: "a", count: 64), actor: admin)
        try await store.revokeAdminToken(name: "ci", actor: admin)
        let log = try await store.auditLog(limit: 10)
        #expect(log.map(\.action) == ["admin-token.revoke", "admin-token.create", "admin-token.create", "setting.change", "certificate.state", "certificate.add", "private-key.create"])
        #expect(log.first(where: { $0.action == "certificate.state" })?.actor == "system")
        #expect(log.first(where: { $0.action == "certificate.add" })?.subjectID == certificateID)
        #expect(log.allSatisfy { abs($0.at.timeIntervalSinceNow) < 60 })
        try await store.close()
    }

    @Test("the audit log pages newest first: each page continues below the last id of the one before, and the pages together are the whole log", arguments: StoreKind.allCases)
    func auditLogKeysetPages(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        guard let store = try await kind.open(in: folder.url) else { return }
        for step in 1...7 { try await store.setSetting("step", to: "\(step)", actor: admin) }
        let whole = try await store.auditLog(limit: 100)
        #expect(whole.count == 7 && whole.map(\.id) == whole.map(\.id).sorted(by: >), "newest first")
        #expect(try await store.auditLog(limit: 100, before: nil) == whole, "no cursor: the newest entries")
        var pages: [[AuditEntry]] = []
        var before: Int64?
        repeat {
            let page = try await store.auditLog(limit: 3, before: before)
            #expect(page.allSatisfy { before == nil || $0.id < before! }, "only entries below the cursor")
            pages.append(page)
            before = page.count == 3 ? page.last?.id : nil
        } while before != nil
        #expect(pages.map(\.count) == [3, 3, 1])
        #expect(pages.flatMap { $0 } == whole, "no entry skipped or repeated")
        #expect(try await store.auditLog(limit: 3, before: try #require(whole.last?.id)).isEmpty, "nothing below the oldest")
        #expect(try await store.auditLog(limit: 2, before: whole[2].id).map(\.id) == [whole[3].id, whole[4].id], "a cursor in the middle")
        try await store.close()
    }

    @Test("certificates are listed by state and a missing one is not-found", arguments: StoreKind.allCases)
    func certificateStates(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        guard let store = try await kind.open(in: folder.url) else { return }
        let id = try await store.insertCertificate(Self.certificate(keyID: nil), actor: admin)
        #expect(try await store.certificates(in: .staged).map(\.id) == [id])
        try await store.setCertificateState(id: id, to: .reserve, actor: admin)
        #expect(try await store.certificates(in: .staged).isEmpty)
        let stored = try #require(try await store.certificates(in: nil).first)
        #expect(stored.state == .reserve && stored.der == [0x30, 0x03, 0x02, 0x01, 0x01] && stored.hostName == "mdm.example.com")
        #expect(!stored.fromSigningRequest)
        var answered = Self.certificate(keyID: nil)
        answered.sha256 = "answered"
        answered.fromSigningRequest = true
        _ = try await store.insertCertificate(answered, actor: admin)
        #expect(try await store.certificates(in: nil).last?.fromSigningRequest == true)
        await #expect(throws: StoreError.self) { try await store.setCertificateState(id: 999, to: .active, actor: admin) }
        try await store.close()
    }

    @Test("activating a certificate retires the one it replaces for the same host name, and only that one", arguments: StoreKind.allCases)
    func activationReplacesPerHost(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        guard let store = try await kind.open(in: folder.url) else { return }
        func add(_ sha: String, host: String?) async throws -> Int64 {
            var certificate = Self.certificate(keyID: nil)
            certificate.sha256 = sha
            certificate.hostName = host
            return try await store.insertCertificate(certificate, actor: admin)
        }
        let first = try await add("1", host: nil), second = try await add("2", host: nil), other = try await add("3", host: "mdm.example.com")
        try await store.activateCertificate(id: first, actor: admin)
        try await store.activateCertificate(id: other, actor: admin)
        try await store.activateCertificate(id: second, actor: admin)
        let states = Dictionary(uniqueKeysWithValues: try await store.certificates(in: nil).map { ($0.id, $0.state) })
        #expect(states == [first: .retired, second: .active, other: .active])
        await #expect(throws: StoreError.self, "a retired certificate cannot come back") { try await store.activateCertificate(id: first, actor: admin) }
        #expect(try await store.auditLog(limit: 1).first?.action == "certificate.activate")
        try await store.close()
    }

    @Test("deleting a signing request deletes its pending key, not a key a certificate uses", arguments: StoreKind.allCases)
    func signingRequests(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        guard let store = try await kind.open(in: folder.url) else { return }
        let vault = KeyVault(masterKey: .generate())
        let keyID = try await store.insertPrivateKey(try sealedKey(vault, purpose: "signing-request").1, actor: admin)
        let request = StoredSigningRequest(privateKeyID: keyID, subject: "CN=mdm.example.com", addresses: ["mdm.example.com", "10.0.0.5"],
                                           pem: "-----BEGIN CERTIFICATE REQUEST-----", createdAt: Date())
        let requestID = try await store.insertSigningRequest(request, actor: admin)
        #expect(try await store.signingRequests().map(\.addresses) == [["mdm.example.com", "10.0.0.5"]])
        try await store.deleteSigningRequest(id: requestID, actor: admin)
        #expect(try await store.signingRequests().isEmpty)
        #expect(try await store.privateKey(id: keyID) == nil)
        await #expect(throws: StoreError.self) { try await store.deleteSigningRequest(id: requestID, actor: admin) }
        try await store.close()
    }

    @Test("a rollover starts pending for every device; batched syncs move the states and the counts follow", arguments: StoreKind.allCases)
    func deliveriesAndCounts(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        guard let store = try await kind.open(in: folder.url) else { return }
        let devices = (0..<250).map { index in
            NewDevice(name: "device-\(index)", platform: DevicePlatform.allCases[index % 5],
                      tokenSHA256: String(format: "%064x", index), enrolledAt: Date())
        }
        let ids = try await store.insertDevices(devices, deliveryState: .pending, actor: admin)
        #expect(ids.count == 250 && ids == ids.sorted() && Set(ids).count == 250)
        let certificateID = try await store.insertCertificate(Self.certificate(keyID: nil), actor: admin)
        let rollover = try await store.insertRollover(certificateID: certificateID, preset: "distribute-first", at: Date(), actor: admin)
        #expect(try await store.deliveryCounts(rolloverID: rollover) == [.pending: 250, .delivered: 0, .installed: 0, .failed: 0, .retrying: 0])

        // First syncs: everyone receives it. Second: most install, ten fail with a reason, a device repeats itself.
        try await store.recordSyncs(ids.map { SyncReport(deviceID: $0, seenAt: Date(), agentVersion: "1.0", deliveries: [.init(rolloverID: rollover, state: .delivered)]) })
        var second = ids.prefix(200).enumerated().map { index, id in
            SyncReport(deviceID: id, seenAt: Date(), agentVersion: "1.1", deliveries: [
                index < 10 ? .init(rolloverID: rollover, state: .failed, reason: "trust store is read-only") : .init(rolloverID: rollover, state: .installed),
            ])
        }
        second.append(SyncReport(deviceID: ids[199], seenAt: Date(), agentVersion: "1.1", deliveries: [.init(rolloverID: rollover, state: .installed)]))
        try await store.recordSyncs(second)
        let counts = try await store.deliveryCounts(rolloverID: rollover)
        #expect(counts == [.pending: 0, .delivered: 50, .installed: 190, .failed: 10, .retrying: 0])
        #expect(counts.values.reduce(0, +) == 250)

        let failed = try await store.deliveryPage(rolloverID: rollover, state: .failed, afterDeviceID: nil, limit: 4)
        #expect(failed.map(\.deviceID) == Array(ids.prefix(4)))
        #expect(failed.allSatisfy { $0.reason == "trust store is read-only" && $0.lastSeenAt != nil })
        let next = try await store.deliveryPage(rolloverID: rollover, state: .failed, afterDeviceID: failed.last?.deviceID, limit: 100)
        #expect(next.map(\.deviceID) == Array(ids[4..<10]))
        let all = try await store.deliveryPage(rolloverID: rollover, state: nil, afterDeviceID: nil, limit: 1000)
        #expect(all.count == 250 && all.first?.deviceName == "device-0" && all.first?.platform == .macos)

        // What a sync reads, in one go: the device by its token's hash and its deliveries; nothing for an unknown token.
        let state = try #require(try await store.syncState(tokenSHA256: String(format: "%064x", 0)))
        #expect(state.device.id == ids[0] && state.deliveries.map(\.state) == [.failed] && state.deliveries.first?.reason == "trust store is read-only")
        #expect(try await store.syncState(tokenSHA256: String(repeating: "f", count: 64)) == nil)
        try await store.close()
    }

    @Test("admin tokens are found by hash only, names are unique, revoked tokens say when", arguments: StoreKind.allCases)
    func adminTokens(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        guard let store = try await kind.open(in: folder.url) else { return }
        let hash = String(repeating: "b", count: 64)
        _ = try await store.insertAdminToken(name: "initial-admin", tokenSHA256: String(repeating: "f", count: 64), actor: .system)
        _ = try await store.insertAdminToken(name: "ops", tokenSHA256: hash, actor: .system)
        await #expect(throws: StoreError.self) { _ = try await store.insertAdminToken(name: "ops", tokenSHA256: "c", actor: .system) }
        #expect(try await store.adminToken(tokenSHA256: hash)?.revokedAt == nil)
        try await store.revokeAdminToken(name: "ops", actor: .system)
        #expect(try await store.adminToken(tokenSHA256: hash)?.revokedAt != nil)
        #expect(try await store.adminToken(tokenSHA256: String(repeating: "d", count: 64)) == nil)
        try await store.close()
    }

    @Test("migrating twice changes nothing", arguments: StoreKind.allCases)
    func migrationsAreIdempotent(kind: StoreKind) async throws {
        let folder = try TemporaryFolder()
        guard let store = try await kind.open(in: folder.url) else { return }
        try await store.setSetting("sync-period", to: "3600", actor: .system)
        try await store.migrate()
        #expect(try await store.setting("sync-period") == "3600")
        try await store.close()
    }

    static func certificate(keyID: Int64?) -> StoredCertificate {
        StoredCertificate(sha256: String(repeating: "f", count: 64), der: [0x30, 0x03, 0x02, 0x01, 0x01], chainPEM: "",
                          subject: "CN=mdm.example.com", notBefore: Date(), notAfter: Date().addingTimeInterval(86_400 * 90),
                          state: .staged, source: .imported, privateKeyID: keyID, hostName: "mdm.example.com")
    }
}
