import Crypto
import SwiftASN1

/// Reads unencrypted private keys: PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5958), PKCS#1 RSAPrivateKey
/// (RFC 8017) and SEC1 ECPrivateKey (RFC 5915). Every key is checked for internal consistency, so a corrupted
/// key is caught here and not at the first TLS handshake.
enum PrivateKeyReader {
    enum Encoding { case pkcs8, pkcs1, sec1 }

    static func read(_ der: [UInt8], as encoding: Encoding) throws(ReadFailure) -> PrivateKeyMaterial {
        let node = try ASN1Parsing.parse(der, what: "the private key")
        switch encoding {
        case .pkcs8: return try pkcs8(node)
        case .pkcs1: return try rsa(node)
        case .sec1: return try ec(node, curveFromAlgorithm: nil)
        }
    }

    static func pkcs8(_ node: ASN1Node) throws(ReadFailure) -> PrivateKeyMaterial {
        let fields = try node.sequence("the PKCS#8 private key")
        guard fields.count >= 3 else { throw .malformed("the PKCS#8 private key has too few fields") }
        let version = try fields[0].smallInteger("the PKCS#8 version")
        guard version <= 1 else { throw .malformed("the PKCS#8 version \(version) is unknown") }
        let algorithm = try fields[1].sequence("the PKCS#8 key algorithm")
        guard let oidNode = algorithm.first else { throw .malformed("the PKCS#8 key algorithm is empty") }
        let oid = try oidNode.objectIdentifier("the PKCS#8 key algorithm")
        let inner = try fields[2].octets("the PKCS#8 key")
        switch oid {
        case OID.rsaEncryption, OID.rsassaPSS:
            return try rsa(ASN1Parsing.parse(inner, what: "the RSA private key"))
        case OID.ecPublicKey:
            return try ec(ASN1Parsing.parse(inner, what: "the EC private key"), curveFromAlgorithm: algorithm.dropFirst().first)
        case OID.ed25519:
            let seed = try ASN1Parsing.parse(inner, what: "the Ed25519 private key").octets("the Ed25519 private key")
            let embeddedPublic = try fields.dropFirst(3).first(where: { $0.isContextTag(1) }).map { node throws(ReadFailure) in
                try primitiveBytes(node, "the Ed25519 public key")
            }
            return try ed25519(seed: seed, embeddedPublicKey: embeddedPublic.map { Array($0.dropFirst()) })
        default:
            throw .unsupported("the private key is \(KeyAlgorithmNames.name(of: oid)), which Rollover does not support: use RSA (2048 bits or more), EC P-256/P-384/P-521 or Ed25519")
        }
    }

    /// PKCS#1 RSAPrivateKey, two-prime or multi-prime. Checks n = p·q·r… so a corrupted key is refused.
    static func rsa(_ node: ASN1Node) throws(ReadFailure) -> PrivateKeyMaterial {
        let fields = try node.sequence("the RSA private key")
        guard fields.count >= 9 else { throw .malformed("the RSA private key has \(fields.count) fields instead of 9") }
        let version = try fields[0].smallInteger("the RSA key version")
        guard version <= 1 else { throw .malformed("the RSA key version \(version) is unknown") }
        let modulus = try fields[1].unsignedInteger("the RSA modulus")
        let identity = try SubjectPublicKeyInfoReader.rsaIdentity(
            modulus: modulus, exponent: fields[2].unsignedInteger("the RSA public exponent"))
        var primes = [try fields[4].unsignedInteger("the RSA prime p"), try fields[5].unsignedInteger("the RSA prime q")]
        if version == 1, fields.count > 9 {
            for info in try fields[9].sequence("the RSA other primes") {
                primes.append(try info.sequence("an RSA other prime").first?.unsignedInteger("an RSA other prime") ?? [])
            }
        }
        guard primes.allSatisfy({ ($0.last ?? 0) & 1 == 1 && $0 != [1] }) else {
            throw .malformed("the RSA private key is corrupted: one of its primes is even")
        }
        guard primes.dropFirst().reduce(primes[0], BigMagnitude.multiply) == modulus else {
            throw .malformed("the RSA private key is corrupted: its primes do not multiply to its modulus")
        }
        return PrivateKeyMaterial(publicKey: identity, secretDER: Array(node.encodedBytes))
    }

    /// SEC1 ECPrivateKey. The curve comes from the key or from the PKCS#8 wrapper; both must agree.
    static func ec(_ node: ASN1Node, curveFromAlgorithm: ASN1Node?) throws(ReadFailure) -> PrivateKeyMaterial {
        let fields = try node.sequence("the EC private key")
        guard fields.count >= 2 else { throw .malformed("the EC private key has too few fields") }
        guard try fields[0].smallInteger("the EC key version") == 1 else {
            throw .malformed("the EC private key has version \(try fields[0].smallInteger("the EC key version")) instead of 1")
        }
        let scalar = try fields[1].octets("the EC private scalar")
        let curveInKey = try fields.first(where: { $0.isContextTag(0) }).map { node throws(ReadFailure) in
            try node.elements("the EC key parameters").first
        } ?? nil
        let embeddedPublic = try fields.first(where: { $0.isContextTag(1) }).map { node throws(ReadFailure) in
            try node.elements("the EC public key").first?.bitStringBytes("the EC public key")
        } ?? nil

        let curve = try ECCurveParameters.named(curveInKey ?? curveFromAlgorithm)
        if let curveInKey, let curveFromAlgorithm, curveFromAlgorithm.identifier == .objectIdentifier,
            curveInKey.encodedBytes != curveFromAlgorithm.encodedBytes
        {
            throw .malformed("the EC private key names a different curve inside than outside")
        }
        let point = try derivePublicPoint(scalar: scalar, curve: curve)
        if let embeddedPublic, embeddedPublic != point {
            throw .malformed("the EC private key is corrupted: its public key does not belong to its private scalar")
        }
        return PrivateKeyMaterial(
            publicKey: PublicKeyIdentity(algorithm: .ec(curve: curve.name, bits: curve.bits), material: point),
            secretDER: Array(node.encodedBytes))
    }

    static func ed25519(seed: [UInt8], embeddedPublicKey: [UInt8]?) throws(ReadFailure) -> PrivateKeyMaterial {
        guard seed.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw .malformed("the Ed25519 private key is not 32 bytes")
        }
        let publicKey = Array(key.publicKey.rawRepresentation)
        if let embeddedPublicKey, embeddedPublicKey != publicKey {
            throw .malformed("the Ed25519 private key is corrupted: its public key does not belong to it")
        }
        return PrivateKeyMaterial(publicKey: PublicKeyIdentity(algorithm: .ed25519, material: publicKey), secretDER: seed)
    }

    /// Computes the public point with swift-crypto, which also refuses a scalar of zero or beyond the group order.
    private static func derivePublicPoint(scalar: [UInt8], curve: (name: String, bits: Int, scalarBytes: Int)) throws(ReadFailure) -> [UInt8] {
        let significant = Array(scalar.drop(while: { $0 == 0 }))
        guard significant.count <= curve.scalarBytes else { throw .malformed("the EC private scalar is longer than the curve allows") }
        let padded = [UInt8](repeating: 0, count: curve.scalarBytes - significant.count) + significant
        do {
            switch curve.name {
            case "P-256": return Array(try P256.Signing.PrivateKey(rawRepresentation: padded).publicKey.x963Representation)
            case "P-384": return Array(try P384.Signing.PrivateKey(rawRepresentation: padded).publicKey.x963Representation)
            default: return Array(try P521.Signing.PrivateKey(rawRepresentation: padded).publicKey.x963Representation)
            }
        } catch {
            throw .malformed("the EC private scalar is not a valid \(curve.name) key")
        }
    }

    private static func primitiveBytes(_ node: ASN1Node, _ what: String) throws(ReadFailure) -> ArraySlice<UInt8> {
        guard case .primitive(let bytes) = node.content else { throw .malformed("\(what) is not a primitive value") }
        return bytes
    }
}
