import SwiftASN1

/// Names of signature algorithms as OpenSSL prints them, and which of them are too weak to accept.
enum SignatureAlgorithmNames {
    private static let names: [String: String] = [
        "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
        "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
        "1.3.14.3.2.29": "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10": "rsassaPss",
        "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
        "1.2.840.10045.4.1": "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
        "1.2.840.10040.4.3": "dsa-with-SHA1",
        "2.16.840.1.101.3.4.3.2": "dsa-with-SHA256",
        "1.3.101.112": "ED25519",
    ]

    private static let weak: Set<ASN1ObjectIdentifier> = [
        OID.md2WithRSA, OID.md5WithRSA, OID.sha1WithRSA, OID.sha1WithRSAOIW, OID.ecdsaWithSHA1, OID.dsaWithSHA1,
    ]

    static func name(_ oid: ASN1ObjectIdentifier) -> String { names[oid.description] ?? oid.description }
    static func isWeak(_ oid: ASN1ObjectIdentifier) -> Bool { weak.contains(oid) }
}
