import Crypto
import Foundation
import SwiftASN1
import X509
@testable import RolloverPKI

/// Certificates of any shape, made in the test with swift-certificates and P-256 keys: roots, CAs with name
/// constraints or extended key usages, server certificates with chosen names, and the odd ones the chain checks
/// must refuse.
enum CertificateFactory {
    struct Issued {
        var certificate: Certificate
        var key: Certificate.PrivateKey
        var pem: String { (try? certificate.serializeAsPEM().pemString) ?? "" }
        var keyPEM: String { (try? key.serializeAsPEM().pemString) ?? "" }
    }

    static let notBefore = Date(timeIntervalSinceNow: -86_400)

    /// A certificate for `subject` with `key` (a new one by default), signed by `issuer`, or by itself when nil;
    /// `issuerName` and `signer` name the issuer and its key outright (for rings and re-keyed CAs).
    static func make(
        _ subject: String, issuer: Issued? = nil, issuerName: String? = nil, signer: Certificate.PrivateKey? = nil,
        key: Certificate.PrivateKey? = nil, days: Double = 90, extensions: [Certificate.Extension]
    ) throws -> Issued {
        let key = key ?? Certificate.PrivateKey(P256.Signing.PrivateKey())
        let subjectName = try DistinguishedName { CommonName(subject) }
        let issuerDN = try issuerName.map { name in try DistinguishedName { CommonName(name) } } ?? issuer?.certificate.subject ?? subjectName
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey,
            notValidBefore: notBefore, notValidAfter: notBefore.addingTimeInterval(86_400 * days),
            issuer: issuerDN, subject: subjectName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions(extensions), issuerPrivateKey: signer ?? issuer?.key ?? key)
        return Issued(certificate: certificate, key: key)
    }

    /// A CA: basicConstraints cA=TRUE (critical), keyCertSign, and whatever else is given.
    static func ca(
        _ subject: String, issuer: Issued? = nil, issuerName: String? = nil, signer: Certificate.PrivateKey? = nil,
        key: Certificate.PrivateKey? = nil, extra: [Certificate.Extension] = []
    ) throws -> Issued {
        try make(subject, issuer: issuer, issuerName: issuerName, signer: signer, key: key, days: 3650, extensions: [
            try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true),
            try Certificate.Extension(KeyUsage(keyCertSign: true, cRLSign: true), critical: true),
        ] + extra)
    }

    /// A server certificate with these subjectAltNames and serverAuth.
    static func server(_ names: [GeneralName], issuer: Issued, extra: [Certificate.Extension] = []) throws -> Issued {
        try make("server", issuer: issuer, extensions: [
            try Certificate.Extension(SubjectAlternativeNames(names), critical: false),
            try Certificate.Extension(ExtendedKeyUsage([.serverAuth]), critical: false),
            try Certificate.Extension(KeyUsage(digitalSignature: true), critical: true),
        ] + extra)
    }

    static func server(dns: [String], issuer: Issued) throws -> Issued {
        try server(dns.map { .dnsName($0) }, issuer: issuer)
    }

    static func nameConstraints(permitted: [GeneralName] = [], excluded: [GeneralName] = []) throws -> Certificate.Extension {
        try Certificate.Extension(NameConstraints(permittedSubtrees: permitted, excludedSubtrees: excluded), critical: true)
    }

    /// Inspects the leaf with its key and the given chain, each as its own file, with `root` trusted.
    static func inspect(_ leaf: Issued, chain: [Issued], root: Issued, addresses: [String] = []) async -> InspectionReport {
        var options = InspectionOptions()
        options.trustedRoots = [try! ParsedCertificate.from(root.certificate)]
        options.addresses = addresses
        return await TestPKI.inspect([leaf.pem, leaf.keyPEM] + chain.map(\.pem), options: options)
    }
}
