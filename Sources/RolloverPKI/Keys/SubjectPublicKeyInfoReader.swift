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
