import Crypto
import Foundation
import RolloverCore
import Testing
import X509
@testable import RolloverAgent

/// A server identity as a handover chain sees it: a root, a leaf for `localhost` it signs, and the leaf's key.
private struct ServerIdentity {
    let root: Certificate
    let leaf: Certificate
    let leafKey: P256.Signing.PrivateKey

    init(_ name: String, validFrom start: Date = Date(timeIntervalSinceNow: -3600), until end: Date = Date(timeIntervalSinceNow: 86_400)) throws {
        let pki = try TestPKI(rootName: name, notBefore: start, notAfter: end)
        (root, leaf, leafKey) = (pki.root, pki.leaf, pki.leafKey)
    }

    var anchor: TrustItem { get throws { TrustItem(role: .anchor, fingerprint: CertificateFingerprint.sha256(root), pem: try root.serializeAsPEM().pemString) } }

    /// A record moving devices to `next`'s root, signed by this identity's leaf key (or by `signingKey` instead).
    func record(_ sequence: Int, to next: ServerIdentity, at time: Date = Date(), host: String = "",
                signingKey: P256.Signing.PrivateKey? = nil) throws -> HandoverRecord {
        let statement = HandoverStatement(host: host, sequence: sequence, issuedAt: time, anchors: [try next.anchor], pins: [], addresses: [])
        let bytes = Array(try DeviceProtocol.encoder().encode(statement))
        let key = Certificate.PrivateKey(signingKey ?? leafKey)
        let signature = try key.sign(bytes: HandoverRecord.signedBytes(bytes), signatureAlgorithm: .ecdsaWithSHA256)
        return HandoverRecord(statement: Data(bytes).base64EncodedString(), signatures: [
            HandoverSignature(signer: CertificateFingerprint.sha256(leaf), chain: [try leaf.serializeAsPEM().pemString, try root.serializeAsPEM().pemString],
                              algorithm: "ecdsa-sha256", value: Data(signature.rawRepresentation).base64EncodedString()),
        ])
    }
}

@Suite("Handover walk")
struct HandoverWalkTests {
    let now = Date()

    func walk(_ records: [HandoverRecord], from store: TrustStore) async -> HandoverWalk.Outcome {
        await HandoverWalk.walk(records, chainHost: "", host: "localhost", from: store, now: now)
    }

    func reason(_ outcome: HandoverWalk.Outcome) -> String {
        if case .refused(let reason) = outcome { return reason }
        return "walked"
    }

    @Test("a device at the first state walks two records, each signed by the certificate the state before it trusts, and ends at the last state")
    func walksTwoRecords() async throws {
        let first = try ServerIdentity("First Root"), second = try ServerIdentity("Second Root"), third = try ServerIdentity("Third Root")
        let store = TrustStore(anchors: [try first.anchor], addresses: ["localhost"])
        let outcome = await walk([try first.record(1, to: second), try second.record(2, to: third)], from: store)
        guard case .walked(let next, let from, let to) = outcome else { Issue.record("refused: \(reason(outcome))"); return }
        #expect(from == 0 && to == 2 && next.handoverSequence == 2)
        #expect(next.anchors.map(\.fingerprint) == [CertificateFingerprint.sha256(third.root)])
        #expect(await ServerTrustEvaluation.evaluate(chain: [third.leaf], host: "localhost", store: next, now: now) == .trusted(through: [CertificateFingerprint.sha256(third.root)]))
    }

    @Test("a record signed by a key the device never trusted is refused: a man in the middle with a certificate of its own and forged records gains nothing")
    func refusesForeignSigner() async throws {
        let trusted = try ServerIdentity("Trusted Root"), attacker = try ServerIdentity("Attacker Root")
        let store = TrustStore(anchors: [try trusted.anchor])
        let outcome = await walk([try attacker.record(1, to: attacker)], from: store)
        #expect(reason(outcome).contains("not trusted by the state before it"), "\(reason(outcome))")
    }

    @Test("a record carrying the trusted certificate but signed by another key does not verify")
    func refusesSignatureByAnotherKey() async throws {
        let trusted = try ServerIdentity("Trusted Root"), next = try ServerIdentity("Next Root")
        let outcome = await walk([try trusted.record(1, to: next, signingKey: P256.Signing.PrivateKey())], from: TrustStore(anchors: [try trusted.anchor]))
        #expect(reason(outcome).contains("does not verify"), "\(reason(outcome))")
    }

    @Test("a gap in the sequence and a reordered chain are refused")
    func refusesGapsAndReordering() async throws {
        let a = try ServerIdentity("A"), b = try ServerIdentity("B"), c = try ServerIdentity("C")
        let store = TrustStore(anchors: [try a.anchor])
        let gap = await walk([try a.record(1, to: b), try b.record(3, to: c)], from: store)
        #expect(reason(gap).contains("do not follow each other"), "\(reason(gap))")
        let reordered = await walk([try b.record(2, to: c), try a.record(1, to: b)], from: store)
        #expect(reason(reordered).contains("do not follow each other"), "\(reason(reordered))")
        let replayed = await walk([try a.record(1, to: b)], from: TrustStore(anchors: [try b.anchor], handoverSequence: 1))
        #expect(reason(replayed).contains("do not follow each other"), "a record the device has passed cannot be replayed: \(reason(replayed))")
    }

    @Test("a record older than handover-max-age is refused, with the advice to enroll again; the device's own maximum age decides")
    func refusesRecordsOlderThanTheMaximumAge() async throws {
        let threeYearsAgo = Date(timeIntervalSinceNow: -3 * 365 * 86_400)
        let old = try ServerIdentity("Old Root", validFrom: threeYearsAgo.addingTimeInterval(-86_400), until: Date(timeIntervalSinceNow: 86_400))
        let next = try ServerIdentity("Next Root")
        let outcome = await walk([try old.record(1, to: next, at: threeYearsAgo)], from: TrustStore(anchors: [try old.anchor]))
        #expect(reason(outcome).contains("handover-max-age") && reason(outcome).contains("enrolled again"), "\(reason(outcome))")
        let patient = await walk([try old.record(1, to: next, at: threeYearsAgo)],
                                 from: TrustStore(anchors: [try old.anchor], handoverMaximumAgeSeconds: 4 * 365 * 86_400))
        #expect(reason(patient) == "walked")
    }

    @Test("a signer whose certificate had expired at the record's time is refused, and so is a record for another host's chain")
    func refusesExpiredSignersAndOtherChains() async throws {
        let expired = try ServerIdentity("Expired Root", validFrom: Date(timeIntervalSinceNow: -86_400 * 10), until: Date(timeIntervalSinceNow: -86_400))
        let next = try ServerIdentity("Next Root")
        let late = await walk([try expired.record(1, to: next)], from: TrustStore(anchors: [try expired.anchor]))
        #expect(reason(late).contains("not trusted") || reason(late).contains("not valid"), "\(reason(late))")
        let current = try ServerIdentity("Current Root")
        let otherHost = await walk([try current.record(1, to: next, host: "other.example")], from: TrustStore(anchors: [try current.anchor]))
        #expect(reason(otherHost).contains("for the host"), "\(reason(otherHost))")
    }
}
