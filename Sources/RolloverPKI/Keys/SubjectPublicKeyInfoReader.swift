import SwiftASN1

/// Reads a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) or a bare PKCS#1 RSAPublicKey into a `PublicKeyIdentity`.
/// Ours rather than swift-certificates' because that one refuses RSA keys under 2048 bits, which must be
/// reported as `weak-key`, not as unreadable.
enum SubjectPublicKeyInfoReader {
    static func read(_ node: ASN1Node) throws(ReadFailure) -> PublicKeyIdentity {
        let fields = try node.sequence("the public key")
        guard fields.count == 2 else { throw .malformed("the public key has \(fields.count) fields instead of 2") }
        let algorithm = try fields[0].sequence("the public key algorithm")
        guard let oidNode = algorithm.first else { throw .malformed("the public key algorithm is empty") }
        let oid = try oidNode.objectIdentifier("the public key algorithm")
        let key = try fields[1].bitStringBytes("the public key bits")
        switch oid {
        case OID.rsaEncryption, OID.rsassaPSS:
            return try rsaPublicKey(ASN1Parsing.parse(key, what: "the RSA public key"))
        case OID.ecPublicKey:
            let curve = try ECCurveParameters.named(algorithm.dropFirst().first)
            guard key.first == 0x04, key.count == 1 + 2 * curve.scalarBytes else {
                throw .malformed("the \(curve.name) public key is not an uncompressed point")
            }
            return PublicKeyIdentity(algorithm: .ec(curve: curve.name, bits: curve.bits), material: key)
        case OID.ed25519:
            guard key.count == 32 else { throw .malformed("the Ed25519 public key is not 32 bytes") }
            return PublicKeyIdentity(algorithm: .ed25519, material: key)
        default:
            throw .unsupported("the public key is \(KeyAlgorithmNames.name(of: oid)), which Rollover does not support: use RSA (2048 bits or more), EC P-256/P-384/P-521 or Ed25519")
        }
    }

    /// PKCS#1 RSAPublicKey: SEQUENCE { modulus, publicExponent }.
    static func rsaPublicKey(_ node: ASN1Node) throws(ReadFailure) -> PublicKeyIdentity {
        let fields = try node.sequence("the RSA public key")
        guard fields.count == 2 else { throw .malformed("the RSA public key has \(fields.count) fields instead of 2") }
        return try rsaIdentity(
            modulus: fields[0].unsignedInteger("the RSA modulus"),
            exponent: fields[1].unsignedInteger("the RSA public exponent"))
    }

    static func rsaIdentity(modulus: [UInt8], exponent: [UInt8]) throws(ReadFailure) -> PublicKeyIdentity {
        guard let first = modulus.first else { throw .malformed("the RSA modulus is zero") }
        guard !exponent.isEmpty else { throw .malformed("the RSA public exponent is zero") }
        let bits = modulus.count * 8 - first.leadingZeroBitCount
        return PublicKeyIdentity(algorithm: .rsa(bits: bits), material: modulus + [0] + exponent)
    }
}

/// Resolves EC domain parameters to a named curve; explicit parameters and unknown curves are refused by name.
enum ECCurveParameters {
    static func named(_ parameters: ASN1Node?) throws(ReadFailure) -> (name: String, bits: Int, scalarBytes: Int) {
        guard let parameters else { throw .malformed("the EC key does not say which curve it is on") }
        guard parameters.identifier == .objectIdentifier else {
            throw .unsupported("the EC key uses explicit curve parameters instead of a named curve; re-export it on a named curve (P-256, P-384 or P-521)")
        }
        let oid = try parameters.objectIdentifier("the EC curve")
        guard let curve = PublicKeyAlgorithm.namedCurves[oid.description] else {
            throw .unsupported("the EC key is on the curve \(KeyAlgorithmNames.curveName(of: oid)), which TLS clients do not accept; use P-256, P-384 or P-521")
        }
        return curve
    }
}

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
