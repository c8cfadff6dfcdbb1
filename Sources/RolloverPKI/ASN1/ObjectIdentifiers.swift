import SwiftASN1

/// The object identifiers the readers need, named after their RFCs.
enum OID {
    // Keys (RFC 8017, RFC 5480, RFC 8410, RFC 3279)
    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
    static let rsassaPSS: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 10]
    static let ecPublicKey: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]
    static let ed25519: ASN1ObjectIdentifier = [1, 3, 101, 112]
    static let ed448: ASN1ObjectIdentifier = [1, 3, 101, 113]
    static let x25519: ASN1ObjectIdentifier = [1, 3, 101, 110]
    static let x448: ASN1ObjectIdentifier = [1, 3, 101, 111]
    static let dsa: ASN1ObjectIdentifier = [1, 2, 840, 10040, 4, 1]
    static let secp256r1: ASN1ObjectIdentifier = [1, 2, 840, 10045, 3, 1, 7]
    static let secp384r1: ASN1ObjectIdentifier = [1, 3, 132, 0, 34]
    static let secp521r1: ASN1ObjectIdentifier = [1, 3, 132, 0, 35]

    // PKCS#7 / CMS content types
    static let pkcs7Data: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 1]
    static let pkcs7SignedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 2]
    static let pkcs7EnvelopedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 3]
    static let pkcs7EncryptedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 6]

    // PKCS#12 bag types (RFC 7292)
    static let keyBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 10, 1, 1]
    static let pkcs8ShroudedKeyBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 10, 1, 2]
    static let certBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 10, 1, 3]
    static let safeContentsBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 10, 1, 6]
    static let x509CertificateInBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 22, 1]

    // PKCS#12 PBES1 (RFC 7292 appendix C)
    static let pbeSHA1RC4_128: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 1, 1]
    static let pbeSHA1RC4_40: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 1, 2]
    static let pbeSHA1TripleDES: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 1, 3]
    static let pbeSHA1TwoKeyTripleDES: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 1, 4]
    static let pbeSHA1RC2_128: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 1, 5]
    static let pbeSHA1RC2_40: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 1, 6]

    // PKCS#5 (RFC 8018)
    static let pbeMD5DES: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 5, 3]
    static let pbeMD5RC2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 5, 6]
    static let pbeSHA1DES: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 5, 10]
    static let pbeSHA1RC2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 5, 11]
    static let pbes2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 5, 13]
    static let pbkdf2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 5, 12]
    static let pbmac1: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 5, 14]
    static let scrypt: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 11591, 4, 11]
    static let hmacWithSHA1: ASN1ObjectIdentifier = [1, 2, 840, 113549, 2, 7]
    static let hmacWithSHA224: ASN1ObjectIdentifier = [1, 2, 840, 113549, 2, 8]
    static let hmacWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 113549, 2, 9]
    static let hmacWithSHA384: ASN1ObjectIdentifier = [1, 2, 840, 113549, 2, 10]
    static let hmacWithSHA512: ASN1ObjectIdentifier = [1, 2, 840, 113549, 2, 11]
    static let aes128CBC: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 1, 2]
    static let aes192CBC: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 1, 22]
    static let aes256CBC: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 1, 42]
    static let desEDE3CBC: ASN1ObjectIdentifier = [1, 2, 840, 113549, 3, 7]
    static let desCBC: ASN1ObjectIdentifier = [1, 3, 14, 3, 2, 7]
    static let rc2CBC: ASN1ObjectIdentifier = [1, 2, 840, 113549, 3, 2]

    // Digests (MAC algorithms of PKCS#12)
    static let sha1: ASN1ObjectIdentifier = [1, 3, 14, 3, 2, 26]
    static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]
    static let sha384: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 2]
    static let sha512: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 3]
    static let sha224: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 4]

    // Signatures that count as weak (RFC 3279, RFC 8017)
    static let md2WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 2]
    static let md5WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 4]
    static let sha1WithRSA: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 5]
    static let sha1WithRSAOIW: ASN1ObjectIdentifier = [1, 3, 14, 3, 2, 29]
    static let ecdsaWithSHA1: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 1]
    static let dsaWithSHA1: ASN1ObjectIdentifier = [1, 2, 840, 10040, 4, 3]

    // Other things people try to import
    static let csrAttributesExtensionRequest: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 14]
}
