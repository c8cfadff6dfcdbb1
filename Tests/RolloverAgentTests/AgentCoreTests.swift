import Crypto
import Foundation
import RolloverCore
import Testing
import X509
@testable import RolloverAgent

@Suite("Agent core")
struct AgentCoreTests {
    let now = Date()

    func answer(add: [TrustItem] = [], remove: [String] = [], reserve: ReserveCertificate? = nil) -> SyncResponse {
        SyncResponse(add: add, remove: remove, reserve: reserve, addresses: ["mdm.example.com"], nextSyncSeconds: 60)
    }

    @Test("an answer's anchors and pins are installed and reported; applying it again changes nothing")
    func installsAndIsIdempotent() throws {
        let pki = try TestPKI()
        let response = answer(add: [try pki.item(pki.root, role: .anchor), try pki.item(pki.leaf, role: .pin)])
        let first = TrustUpdate.apply(response, to: TrustStore(), now: now)
        #expect(first.changed && first.store.anchors.count == 1 && first.store.pins.count == 1 && first.store.addresses == ["mdm.example.com"])
        #expect(first.results.map(\.status) == [.installed, .installed])
        let again = TrustUpdate.apply(response, to: first.store, now: now)
        #expect(!again.changed && again.results.isEmpty)
    }

    @Test("a certificate whose fingerprint is not the announced one, an expired one or unreadable PEM is refused with the reason")
    func refusesWhatIsNotAsAnnounced() throws {
        let pki = try TestPKI(), expired = try TestPKI(notAfter: Date(timeIntervalSinceNow: -60))
        var wrong = try pki.item(pki.root, role: .anchor)
        wrong.fingerprint = String(repeating: "0", count: 64)
        let outcome = TrustUpdate.apply(answer(add: [wrong, try expired.item(expired.root, role: .anchor),
                                                     TrustItem(role: .anchor, fingerprint: String(repeating: "1", count: 64), pem: "junk")]),
                                        to: TrustStore(addresses: ["mdm.example.com"]), now: now)
        #expect(!outcome.changed && outcome.results.allSatisfy { $0.status == .failed })
        #expect(outcome.results.map { $0.reason ?? "" }.map { $0.contains("not the announced") || $0.contains("expired") || $0.contains("not a readable") } == [true, true, true])
    }

    @Test("a removal is carried out, except of the anchor this very connection was verified with")
    func removalSparesTheProtectedAnchor() throws {
        let pki = try TestPKI(), other = try TestPKI(rootName: "Old Root")
        let store = TrustStore(anchors: [try pki.item(pki.root, role: .anchor), try other.item(other.root, role: .anchor)])
        let protected = CertificateFingerprint.sha256(pki.root)
        let outcome = TrustUpdate.apply(answer(remove: store.anchors.map(\.fingerprint)), to: store, now: now, protected: [protected])
        #expect(outcome.store.anchors.map(\.fingerprint) == [protected])
        #expect(outcome.results.first { $0.fingerprint == protected }?.status == .failed)
        #expect(outcome.results.contains { $0.status == .removed })
    }

    @Test("a chain to an anchor with the right host name is trusted through the anchor; another host name or no anchor is refused")
    func evaluatesChainsAgainstAnchors() async throws {
        let pki = try TestPKI(), stranger = try TestPKI(rootName: "Stranger")
        let store = TrustStore(anchors: [try pki.item(pki.root, role: .anchor)])
        #expect(await ServerTrustEvaluation.evaluate(chain: [pki.leaf], host: "localhost", store: store, now: now)
                == .trusted(through: [CertificateFingerprint.sha256(pki.root)]))
        guard case .refused = await ServerTrustEvaluation.evaluate(chain: [pki.leaf], host: "mdm.example.com", store: store, now: now) else {
            Issue.record("a certificate for localhost was accepted for mdm.example.com"); return
        }
        guard case .refused(let reason) = await ServerTrustEvaluation.evaluate(chain: [stranger.leaf], host: "localhost", store: store, now: now) else {
            Issue.record("a foreign chain was accepted"); return
        }
        #expect(reason.contains("does not validate"))
        guard case .refused = await ServerTrustEvaluation.evaluate(chain: [pki.leaf], host: "localhost", store: TrustStore(), now: now) else {
            Issue.record("an empty trust store accepted a server"); return
        }
    }

    @Test("a pinned self-signed leaf (CA:FALSE, as appliances make them) is trusted for its own name")
    func pinsSelfSignedLeaf() async throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("mdm.example.test") }
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86_400), issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName("mdm.example.test")])
            },
            issuerPrivateKey: .init(key))
        let item = TrustItem(role: .pin, fingerprint: CertificateFingerprint.sha256(leaf), pem: try leaf.serializeAsPEM().pemString)
        let verdict = await ServerTrustEvaluation.evaluate(chain: [leaf], host: "mdm.example.test", store: TrustStore(pins: [item]), now: now)
        #expect(verdict == .trusted(through: [item.fingerprint]), "\(verdict)")
    }

    @Test("a pinned leaf is trusted by itself for its own names inside its validity; the reserve certificate only from its activation time")
    func pinsAndReserve() async throws {
        let pki = try TestPKI()
        let pinned = TrustStore(pins: [try pki.item(pki.leaf, role: .pin)])
        #expect(await ServerTrustEvaluation.evaluate(chain: [pki.leaf], host: "localhost", store: pinned, now: now)
                == .trusted(through: [CertificateFingerprint.sha256(pki.leaf)]))
        guard case .refused(let foreign) = await ServerTrustEvaluation.evaluate(chain: [pki.leaf], host: "mdm.example.com", store: pinned, now: now)
        else { Issue.record("a pin was trusted for a name it was not issued for"); return }
        #expect(foreign.contains("is pinned, but it is not issued for mdm.example.com"), "\(foreign)")
        let leaf = try pki.item(pki.leaf, role: .pin)
        let reserve = TrustStore(reserve: ReserveCertificate(fingerprint: leaf.fingerprint, pem: leaf.pem, activatesAt: now.addingTimeInterval(3600)))
        guard case .refused = await ServerTrustEvaluation.evaluate(chain: [pki.leaf], host: "localhost", store: reserve, now: now) else {
            Issue.record("the reserve was trusted before its activation time"); return
        }
        #expect(await ServerTrustEvaluation.evaluate(chain: [pki.leaf], host: "localhost", store: reserve, now: now.addingTimeInterval(3601))
                == .trusted(through: [leaf.fingerprint]))
    }
}

@Suite("Pins that expire")
struct PinExpiryTests {
    @Test("an expired pin or reserve is refused with the reason and dropped from the trust store; anchors stay")
    func expiredPinsAreRefusedAndDropped() async throws {
        let pki = try TestPKI(notAfter: Date(timeIntervalSinceNow: 600))
        let pin = try pki.item(pki.leaf, role: .pin)
        let anchor = try pki.item(pki.root, role: .anchor)
        let store = TrustStore(anchors: [anchor], pins: [pin],
                               reserve: ReserveCertificate(fingerprint: pin.fingerprint, pem: pin.pem, activatesAt: Date(timeIntervalSinceNow: -60)))
        let later = Date(timeIntervalSinceNow: 3600)
        guard case .refused(let why) = await ServerTrustEvaluation.evaluate(chain: [pki.leaf], host: "localhost", store: store, now: later) else {
            Issue.record("an expired pinned leaf was trusted"); return
        }
        #expect(why.contains("is pinned, but it expired"), "\(why)")
        let current = store.droppingExpired(now: later)
        #expect(current.store.pins.isEmpty && current.store.reserve == nil)
        #expect(current.store.anchors == [anchor])
        #expect(current.dropped == [pin.fingerprint])
        #expect(store.droppingExpired(now: Date()).dropped.isEmpty)
    }
}

@Suite("System trust")
struct SystemTrustTests {
    @Test("anchors are placed as rollover-*.crt and the update command runs; withdrawn ones are removed and files of others are left alone")
    func placesAndRemovesOnlyItsOwnFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("system-trust-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = FileManager.default.createFile(atPath: folder + "/someone-else.crt", contents: Data("theirs".utf8))
        let marker = folder + "/updated"
        let first = try TestPKI(), second = try TestPKI(rootName: "Second")
        let installer = SystemTrustInstaller(folder: folder, updateCommand: ["/bin/sh", "-c", "echo run >> \(marker)"],
                                             policy: SystemTrustPolicy(allowed: [CertificateFingerprint.sha256(first.root), CertificateFingerprint.sha256(second.root)]))
        try installer.synchronize(anchors: [try first.item(first.root, role: .anchor), try second.item(second.root, role: .anchor)])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("rollover-") }.count == 2)
        try installer.synchronize(anchors: [try first.item(first.root, role: .anchor)])
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names.filter { $0.hasPrefix("rollover-") } == [SystemTrustInstaller.fileName(CertificateFingerprint.sha256(first.root))])
        #expect(names.contains("someone-else.crt"))
        try installer.synchronize(anchors: [try first.item(first.root, role: .anchor)])
        #expect(try String(contentsOfFile: marker, encoding: .utf8) == "run\nrun\n", "the command runs on a change only")
    }
}

@Suite("System trust policy")
struct SystemTrustPolicyTests {
    @Test("only CA certificates go into the system store, and only name-constrained or allowed ones; each refusal is said")
    func systemStoreTakesOnlyConstrainedOrAllowedCAs() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("system-trust-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pki = try TestPKI()
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("Constrained Root") }
        let constrained = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: Date(timeIntervalSinceNow: -60),
            notValidAfter: Date(timeIntervalSinceNow: 86_400), issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(NameConstraints(permittedDNSDomains: ["example.com"]))
            }, issuerPrivateKey: .init(key))
        let said = Said()
        let installer = SystemTrustInstaller(folder: folder, updateCommand: ["/bin/true"], policy: SystemTrustPolicy(), log: { said.append($0) })
        try installer.synchronize(anchors: [try pki.item(pki.root, role: .anchor), try pki.item(pki.leaf, role: .anchor), try pki.item(constrained, role: .anchor)])
        let placed = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(placed == [SystemTrustInstaller.fileName(CertificateFingerprint.sha256(constrained))], "\(placed)")
        #expect(said.lines.contains { $0.contains("not a CA certificate") })
        #expect(said.lines.contains { $0.contains("neither name-constrained nor allowed") })
        #expect(said.lines.contains { $0.contains("placed") })
    }
}

/// Lines said by a component under test.
final class Said: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}

@Suite("Sync planner")
struct SyncPlannerTests {
    let now = Date()
    let root = TrustItem(role: .anchor, fingerprint: String(repeating: "a", count: 64), pem: "ROOT")
    let newRoot = TrustItem(role: .anchor, fingerprint: String(repeating: "b", count: 64), pem: "NEW")

    var material: [SyncPlanner.MaterialItem] { [.init(item: root, rolloverID: nil), .init(item: newRoot, rolloverID: 7)] }

    func plan(held: Set<String>, results: [InstallResult] = [], state: DeliveryState, since: TimeInterval = 0,
              withdrawn: Set<String> = []) -> SyncPlanner.Plan {
        SyncPlanner.plan(material: material, withdrawn: withdrawn, held: held, results: results,
                         deliveries: [7: .init(state: state, updatedAt: now.addingTimeInterval(-since))], now: now, retryAfter: 3600)
    }

    @Test("a pending delivery is sent and becomes delivered, one attempt; standing material is sent without a delivery")
    func pendingIsDelivered() {
        let result = plan(held: [], state: .pending)
        #expect(result.add == [root, newRoot])
        #expect(result.changes == [.init(rolloverID: 7, state: .delivered, reason: nil, attempted: true)])
    }

    @Test("holding every fingerprint of a rollover makes its delivery installed, and nothing is sent again")
    func heldIsInstalled() {
        let result = plan(held: [root.fingerprint, newRoot.fingerprint], state: .delivered)
        #expect(result.add.isEmpty && result.changes == [.init(rolloverID: 7, state: .installed, reason: nil, attempted: false)])
    }

    @Test("a reported failure is recorded with its reason and the material rests; after the retry interval it is sent again as retrying")
    func failureRestsThenRetries() {
        let failed = plan(held: [root.fingerprint], results: [.init(fingerprint: newRoot.fingerprint, status: .failed, reason: "disk full")],
                          state: .delivered)
        #expect(failed.add.isEmpty && failed.changes == [.init(rolloverID: 7, state: .failed, reason: "disk full", attempted: false)])
        #expect(plan(held: [root.fingerprint], state: .failed, since: 60).add.isEmpty)
        let retried = plan(held: [root.fingerprint], state: .failed, since: 3601)
        #expect(retried.add == [newRoot] && retried.changes == [.init(rolloverID: 7, state: .retrying, reason: nil, attempted: true)])
    }

    @Test("a withdrawn fingerprint the device holds is removed; one still in the material never is")
    func withdrawnIsRemoved() {
        let old = String(repeating: "c", count: 64)
        let result = plan(held: [root.fingerprint, newRoot.fingerprint, old], state: .installed, withdrawn: [old, root.fingerprint])
        #expect(result.remove == [old])
    }
}
