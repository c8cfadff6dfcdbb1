import Crypto
import Foundation
import SwiftASN1
import X509
@testable import RolloverPKI

/// A small CA hierarchy made in the test with swift-certificates: root → intermediate → leaf, P-256 keys.
struct TestPKI {
    struct Issued {
        var certificate: Certificate
        var key: Certificate.PrivateKey
        var pem: String { (try? certificate.serializeAsPEM().pemString) ?? "" }
        var keyPEM: String { (try? key.serializeAsPEM().pemString) ?? "" }
    }

    let root: Issued
    let intermediate: Issued

    init() throws {
        let rootKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let rootName = try DistinguishedName { CommonName("Test Root") }
        root = Issued(certificate: try Certificate(
            version: .v3, serialNumber: .init(), publicKey: rootKey.publicKey,
            notValidBefore: Date(timeIntervalSinceNow: -86_400 * 30), notValidAfter: Date(timeIntervalSinceNow: 86_400 * 3650),
            issuer: rootName, subject: rootName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                KeyUsage(keyCertSign: true, cRLSign: true)
            }, issuerPrivateKey: rootKey), key: rootKey)
        let intermediateKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
        intermediate = Issued(certificate: try Certificate(
            version: .v3, serialNumber: .init(), publicKey: intermediateKey.publicKey,
            notValidBefore: Date(timeIntervalSinceNow: -86_400 * 30), notValidAfter: Date(timeIntervalSinceNow: 86_400 * 1825),
            issuer: rootName, subject: try DistinguishedName { CommonName("Test Intermediate") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                KeyUsage(keyCertSign: true, cRLSign: true)
            }, issuerPrivateKey: rootKey), key: intermediateKey)
    }

    /// A server certificate from the intermediate.
    func leaf(
        dnsNames: [String] = ["mdm.example.com"], ipAddresses: [[UInt8]] = [[10, 0, 0, 5]],
        notBefore: Date = Date(timeIntervalSinceNow: -86_400), days: Double = 90, serverAuth: Bool = true
    ) throws -> Issued {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let names = dnsNames.map { GeneralName.dnsName($0) } + ipAddresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey,
            notValidBefore: notBefore, notValidAfter: notBefore.addingTimeInterval(86_400 * days),
            issuer: intermediate.certificate.subject, subject: try DistinguishedName { CommonName("ignored.example.com") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames(names)
                try ExtendedKeyUsage(serverAuth ? [.serverAuth] : [.clientAuth])
                KeyUsage(digitalSignature: true)
            }, issuerPrivateKey: intermediate.key)
        return Issued(certificate: certificate, key: key)
    }

    /// Inspects PEM texts as if each were its own file.
    static func inspect(_ files: [String], password: Password? = nil, options: InspectionOptions = InspectionOptions()) async -> InspectionReport {
        let contents = files.enumerated().map { FileReader.read(Array($1.utf8), name: "file\($0).pem", password: password) }
        return await Inspector.inspect(contents, options: options)
    }
}

extension InspectionReport {
    var errorCodes: Set<ProblemCode> { Set(errors.map(\.code)) }
    var warningCodes: Set<ProblemCode> { Set(warnings.map(\.code)) }
}
