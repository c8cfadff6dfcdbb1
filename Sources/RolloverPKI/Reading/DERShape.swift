import SwiftASN1

/// What a DER structure is, told from its shape alone, since a `.cer` or `.der` file can hold anything.
enum DERShape: CustomStringConvertible {
    case pkcs12, certificate, pkcs8, encryptedPKCS8, pkcs1PrivateKey, sec1PrivateKey, subjectPublicKeyInfo, pkcs1PublicKey
    case refused(String)
    case unknown

    var description: String {
        switch self {
        case .pkcs12: "PKCS#12"
        case .certificate: "DER certificate"
        case .pkcs8: "DER PKCS#8 private key"
        case .encryptedPKCS8: "DER encrypted PKCS#8 private key"
        case .pkcs1PrivateKey: "DER PKCS#1 RSA private key"
        case .sec1PrivateKey: "DER SEC1 EC private key"
        case .subjectPublicKeyInfo, .pkcs1PublicKey: "DER public key"
        case .refused: "DER"
        case .unknown: "DER"
        }
    }

    static func classify(_ node: ASN1Node) -> DERShape {
        guard node.identifier == .sequence, case .constructed(let collection) = node.content else { return .unknown }
        let fields = Array(collection)
        let tags = fields.map(\.identifier)
        if tags.count == 2, tags[0] == .objectIdentifier, let oid = try? ASN1ObjectIdentifier(derEncoded: fields[0]) {
            return oid == OID.pkcs7SignedData || oid == OID.pkcs7Data
                ? .refused("this is a PKCS#7 bundle: export the certificates as PEM or the certificate with its key as PKCS#12")
                : .unknown
        }
        if PKCS12Reader.isPKCS12(node) { return .pkcs12 }
        if tags.count == 3, tags[0] == .sequence, tags[1] == .sequence, tags[2] == .bitString {
            return classifySigned(fields[0])
        }
        if tags.count == 2, tags[0] == .sequence, tags[1] == .octetString { return .encryptedPKCS8 }
        if tags.count == 2, tags[0] == .sequence, tags[1] == .bitString { return .subjectPublicKeyInfo }
        if tags.count == 2, tags.allSatisfy({ $0 == .integer }) { return .pkcs1PublicKey }
        if tags.count >= 3, tags[0] == .integer, tags[1] == .sequence, tags[2] == .octetString { return .pkcs8 }
        if tags.count >= 9, tags.prefix(9).allSatisfy({ $0 == .integer }) { return .pkcs1PrivateKey }
        if tags.count >= 2, tags[0] == .integer, tags[1] == .octetString { return .sec1PrivateKey }
        if tags.count >= 3, tags[0] == .integer, tags[1] == .sequence, tags[2] == .sequence {
            return .refused("this is a DSA key or DSA parameters; TLS clients no longer accept DSA: use RSA, EC or Ed25519")
        }
        if tags.count == 3, tags.allSatisfy({ $0 == .integer }) {
            return .refused("these are DSA parameters, not a certificate or a key")
        }
        if tags.count >= 6, tags.allSatisfy({ $0 == .integer }) {
            return .refused("this is a DSA private key; TLS clients no longer accept DSA: use RSA, EC or Ed25519")
        }
        return .unknown
    }

    /// Certificate, CSR and CRL share SEQUENCE { body, algorithm, signature }; the body tells them apart.
    private static func classifySigned(_ body: ASN1Node) -> DERShape {
        guard case .constructed(let collection) = body.content else { return .unknown }
        let tags = collection.map(\.identifier)
        if tags.first == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) { return .certificate }
        // CertificationRequestInfo: version, subject, subjectPKInfo, [0] attributes
        if tags.count == 4, tags[0] == .integer, tags[2] == .sequence, tags[3] == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            return .refused("this is a certificate signing request, not a certificate: have it signed by the CA first and import the result")
        }
        // A v1 certificate: serial, algorithm, issuer, validity (two times), subject, key
        if tags.count >= 6, tags[0] == .integer, tags[1] == .sequence, tags[3] == .sequence { return .certificate }
        // TBSCertList: [version,] algorithm, issuer, thisUpdate, …
        if tags.contains(.utcTime) || tags.contains(.generalizedTime) {
            return .refused("this is a certificate revocation list, not a certificate")
        }
        return .unknown
    }
}
