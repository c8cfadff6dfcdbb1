import Crypto
import Foundation
import RolloverCore
import X509
@testable import RolloverAgent

/// A root and a leaf it signs for `localhost`, P-256, made in the test.
struct TestPKI {
    let root: Certificate
    let leaf: Certificate
    let leafKey: P256.Signing.PrivateKey

    init(rootName: String = "Core Test Root", notBefore start: Date = Date(timeIntervalSinceNow: -3600),
         notAfter: Date = Date(timeIntervalSinceNow: 86_400)) throws {
        let rootKey = P256.Signing.PrivateKey()
        let leafKey = P256.Signing.PrivateKey()
        self.leafKey = leafKey
        let issuer = try DistinguishedName { CommonName(rootName) }
        root = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(rootKey.publicKey), notValidBefore: start, notValidAfter: notAfter,
            issuer: issuer, subject: issuer, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                KeyUsage(keyCertSign: true, cRLSign: true)
            }, issuerPrivateKey: .init(rootKey))
        leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey), notValidBefore: start, notValidAfter: notAfter,
            issuer: issuer, subject: try DistinguishedName { CommonName("localhost") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.dnsName("localhost")])
                try ExtendedKeyUsage([.serverAuth])
            }, issuerPrivateKey: .init(rootKey))
    }

    func item(_ certificate: Certificate, role: TrustRole) throws -> TrustItem {
        TrustItem(role: role, fingerprint: CertificateFingerprint.sha256(certificate), pem: try certificate.serializeAsPEM().pemString)
    }
}
