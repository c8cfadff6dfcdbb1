import Foundation
import RolloverCore
import RolloverPKI
import RolloverStore
import X509

/// The handover record an activation writes, in its own transaction, before the new certificate is served: the
/// trust state devices move to, signed by the key of the certificate served until then (which every device at the
/// previous state trusts) and, where our own CA issued that certificate, by the CA's key too.
public struct HandoverWriter: Sendable {
    let context: ServiceContext

    public init(_ context: ServiceContext) { self.context = context }

    /// The record for activating `target` through `rollover` at `now`, or nil when devices that trusted the
    /// certificate served until now can verify `target` with what they hold (same root, same pin) and the
    /// connection addresses stay: the chain only grows when it must.
    public func record(activating target: StoredCertificate, rollover: RolloverRecord, at now: Date) async throws -> StoredHandoverRecord? {
        let store = context.store
        let host = Self.chainHost(target.hostName)
        let active = try await store.certificates(in: .active)
        guard let previous = active.first(where: { $0.source != .authority && Self.chainHost($0.hostName) == host }) else { return nil }
        let material = try await store.trustArtifacts(includeWithdrawn: false).map { artifact in
            TrustItem(role: artifact.role, fingerprint: artifact.sha256, pem: TrustMaterial.pem(artifact.der))
        }
        let previousChain = try Self.servedChain(previous)
        let names = ParsedCertificate.parse(der: previous.der)?.subjectAlternativeNameTexts ?? []
        let newAddresses = rollover.addresses ?? []
        if newAddresses.isEmpty,
            await HandoverRule.devicesCanVerify(next: try Self.servedChain(target), previous: previousChain, material: material, names: names, at: now)
        {
            return nil
        }
        let sequence = (try await store.latestHandoverSequences()[host] ?? 0) + 1
        let statement = HandoverStatement(host: host, sequence: sequence, issuedAt: now, anchors: material.filter { $0.role == .anchor },
                                          pins: material.filter { $0.role == .pin }, addresses: newAddresses)
        let bytes = Array(try DeviceProtocol.encoder().encode(statement))
        guard let keyID = previous.privateKeyID else {
            throw StoreError(.conflict, "the certificate served until now (\(previous.id)) has no private key to sign the handover record with")
        }
        let keys = KeyRepository(context)
        var signatures = [try HandoverSigning.sign(bytes, with: try await keys.load(id: keyID), chain: previousChain)]
        if previous.source == .issued, let authority = active.first(where: { $0.source == .authority }), let authorityKey = authority.privateKeyID {
            signatures.append(try HandoverSigning.sign(bytes, with: try await keys.load(id: authorityKey),
                                                       chain: [try Certificate(derEncoded: authority.der)]))
        }
        let record = HandoverRecord(statement: Data(bytes).base64EncodedString(), signatures: signatures)
        return StoredHandoverRecord(host: host, sequence: sequence, rolloverID: rollover.id, issuedAt: now,
                                    document: String(decoding: try DeviceProtocol.encoder().encode(record), as: UTF8.self))
    }

    /// The chain a certificate's host name belongs to: "" for the default certificate.
    public static func chainHost(_ hostName: String?) -> String { hostName?.lowercased() ?? "" }

    /// The chain as served: the leaf, then the certificates above it.
    static func servedChain(_ certificate: StoredCertificate) throws -> [Certificate] {
        try ([certificate.der] + TrustMaterial.chain(of: certificate)).map { try Certificate(derEncoded: $0) }
    }
}
