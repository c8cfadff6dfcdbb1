import Foundation
import SwiftASN1
import X509

/// The server's own CA: a root that issues the server certificates for the connection addresses.
public struct CertificateAuthority: Sendable {
    public let certificate: Certificate
    public let privateKey: Certificate.PrivateKey

    /// The CA/Browser Forum limit, and Rollover's default for every server certificate.
    public static let defaultServerValidityDays = 397

    public init(certificate: Certificate, privateKey: Certificate.PrivateKey) throws(AuthorityError) {
        guard certificate.publicKey == privateKey.publicKey else {
            throw AuthorityError("the CA's private key does not belong to its certificate")
        }
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// A new root: ten years, path length 0 (it signs server certificates directly), keyCertSign and cRLSign.
    public static func createRoot(
        commonName: String = "Rollover Root CA", keyType: KeyType = .ecP256, now: Date = Date(), validityDays: Int = 3650
    ) throws -> CertificateAuthority {
        let key = try keyType.generate()
        let name = try DistinguishedName { CommonName(commonName) }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(Double(validityDays) * 86_400),
            issuer: name, subject: name, signatureAlgorithm: key.sha256SignatureAlgorithm,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: key.publicKey)
            },
            issuerPrivateKey: key)
        return try CertificateAuthority(certificate: certificate, privateKey: key)
    }

    /// A server certificate for the connection addresses, all of them in the subjectAltName (the first is also the
    /// Common Name, for people). Validity starts an hour back for clients with a slow clock, and the whole span,
    /// that hour included, never exceeds `maximumValidityDays`.
    public func issueServerCertificate(
        for addresses: [ConnectionAddress], publicKey: Certificate.PublicKey, now: Date = Date(),
        validityDays: Int = defaultServerValidityDays, maximumValidityDays: Int = defaultServerValidityDays
    ) throws -> Certificate {
        guard let first = addresses.first else { throw AuthorityError("a server certificate needs at least one connection address") }
        guard validityDays >= 1, validityDays <= maximumValidityDays else {
            throw AuthorityError("a validity of \(validityDays) days exceeds the maximum of \(maximumValidityDays)")
        }
        let notBefore = now.addingTimeInterval(-3600)
        let isRSA = publicKey.description.hasPrefix("RSA")
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: notBefore, notValidAfter: notBefore.addingTimeInterval(Double(validityDays) * 86_400),
            issuer: certificate.subject, subject: try DistinguishedName { CommonName(first.description) },
            signatureAlgorithm: privateKey.sha256SignatureAlgorithm,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: isRSA))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(addresses.map(\.generalName))
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: try certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: privateKey)
    }
}
