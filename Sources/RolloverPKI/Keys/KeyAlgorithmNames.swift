import SwiftASN1

/// Human names for the algorithms people bring that Rollover refuses.
enum KeyAlgorithmNames {
    static func name(of oid: ASN1ObjectIdentifier) -> String {
        switch oid {
        case OID.dsa: "DSA"
        case OID.x25519: "X25519 (a key-agreement key that cannot sign)"
        case OID.x448: "X448 (a key-agreement key that cannot sign)"
        case OID.ed448: "Ed448"
        case [1, 2, 643, 2, 2, 19], [1, 2, 643, 7, 1, 1, 1, 1], [1, 2, 643, 7, 1, 1, 1, 2]: "GOST R 34.10"
        case [1, 2, 840, 113549, 1, 1, 7]: "RSAES-OAEP (an encryption-only RSA key)"
        default: "an unknown algorithm (\(oid))"
        }
    }

    static func curveName(of oid: ASN1ObjectIdentifier) -> String {
        switch oid {
        case [1, 3, 132, 0, 10]: "secp256k1"
        case [1, 3, 36, 3, 3, 2, 8, 1, 1, 7]: "brainpoolP256r1"
        case [1, 3, 36, 3, 3, 2, 8, 1, 1, 11]: "brainpoolP384r1"
        case [1, 3, 36, 3, 3, 2, 8, 1, 1, 13]: "brainpoolP512r1"
        case [1, 2, 840, 10045, 3, 0, 1]: "c2pnb163v1"
        default: oid.description
        }
    }
}
