import Foundation
import RolloverCore
import RolloverPKI
import RolloverStore
import SwiftASN1
import X509

/// The server's own CA, created on first use and kept in the store like every other certificate and key.
public struct AuthorityService: Sendable {
    let context: ServiceContext

    public init(_ context: ServiceContext) { self.context = context }

    /// The CA, created the first time (ECDSA P-256 unless asked otherwise) with `system` as the actor.
    public func authority(keyType: KeyType = .ecP256) async throws -> CertificateAuthority {
        if let stored = try await context.store.certificates(in: .active).first(where: { $0.source == .authority }),
            let keyID = stored.privateKeyID
        {
            return try CertificateAuthority(certificate: try Certificate(derEncoded: stored.der), privateKey: try await KeyRepository(context).load(id: keyID))
        }
        let created = try CertificateAuthority.createRoot(keyType: keyType)
        let keyID = try await KeyRepository(context).save(created.privateKey, purpose: "authority")
        _ = try await context.store.insertCertificate(
            try StoredCertificate(created.certificate, chain: [], state: .active, source: .authority, privateKeyID: keyID), actor: .system)
        return created
    }
}

extension AuthorityService {
    /// The CA (created the first time) with its root in the standing trust material: every device receives it at
    /// enrollment and keeps it, whatever rollovers come and go.
    public func authorityAsStandingRoot(keyType: KeyType = .ecP256, at now: Date) async throws -> CertificateAuthority {
        let authority = try await authority(keyType: keyType)
        var serializer = DER.Serializer()
        try serializer.serialize(authority.certificate)
        let der = serializer.serializedBytes
        let sha256 = ParsedCertificate.sha256Fingerprint(of: der)
        if try await !context.store.trustArtifacts(includeWithdrawn: false).contains(where: { $0.sha256 == sha256 }) {
            _ = try await context.store.insertTrustArtifact(
                TrustArtifactRecord(sha256: sha256, der: der, subject: authority.certificate.subject.description,
                                    notAfter: authority.certificate.notValidAfter, role: .anchor, addedAt: now),
                tracked: false, actor: context.actor)
        }
        return authority
    }

    /// A new key and server certificate from the CA for `addresses`, stored `staged` (activation is separate, so the
    /// same checks and confirmation apply). Used on first start and by reissue.
    /// - Parameter now: when it is issued (its validity starts an hour before): the server's clock, or the lifecycle's
    ///   instant for an automatic reissue, which in the simulator is virtual time.
    public func issueServerCertificate(for addresses: [ConnectionAddress], hostName: String? = nil, validityDays: Int? = nil,
                                       now: Date) async throws -> Int64 {
        let authority = try await authority()
        let maximum = ServerSettings.wholeNumber("maximum-validity-days", stored: try await context.store.setting("maximum-validity-days"))
        let key = try KeyType.ecP256.generate()
        let certificate = try authority.issueServerCertificate(
            for: addresses, publicKey: key.publicKey, now: now, validityDays: min(validityDays ?? maximum, maximum), maximumValidityDays: maximum)
        let keyID = try await KeyRepository(context).save(key, purpose: "server")
        return try await context.store.insertCertificate(
            try StoredCertificate(certificate, chain: [authority.certificate], state: .staged, source: .issued, privateKeyID: keyID, hostName: hostName),
            actor: context.actor)
    }
}

extension StoredCertificate {
    /// A store record for a swift-certificates certificate and the chain above it.
    public init(_ certificate: Certificate, chain: [Certificate], state: CertificateState, source: CertificateSource,
                privateKeyID: Int64?, hostName: String? = nil) throws {
        let parsed = try ParsedCertificate.from(certificate)
        self.init(sha256: parsed.sha256Fingerprint, der: parsed.der,
                  chainPEM: try chain.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n"),
                  subject: parsed.subject.description, notBefore: parsed.notBefore, notAfter: parsed.notAfter,
                  state: state, source: source, privateKeyID: privateKeyID, hostName: hostName)
    }
}
