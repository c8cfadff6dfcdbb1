/// The kind and size of a public key, including kinds Rollover refuses, so a report can name them.
public enum PublicKeyAlgorithm: Sendable, Hashable {
    case rsa(bits: Int)
    case ec(curve: String, bits: Int)
    case ed25519
    /// A key Rollover recognises but does not serve (DSA, X25519, an unnamed curve, …), by name.
    case unsupported(String)

    /// The `keyType` of the JSON report.
    public var keyType: String {
        switch self {
        case .rsa: "rsa"
        case .ec: "ec"
        case .ed25519: "ed25519"
        case .unsupported(let name): name.lowercased()
        }
    }

    public var bits: Int {
        switch self {
        case .rsa(let bits): bits
        case .ec(_, let bits): bits
        case .ed25519: 256
        case .unsupported: 0
        }
    }

    public var description: String {
        switch self {
        case .rsa(let bits): "RSA \(bits) bits"
        case .ec(let curve, _): "EC \(curve)"
        case .ed25519: "Ed25519"
        case .unsupported(let name): name
        }
    }

    /// Curves a TLS client can be expected to verify, by OID; anything else is named and refused.
    static let namedCurves: [String: (name: String, bits: Int, scalarBytes: Int)] = [
        OID.secp256r1.description: ("P-256", 256, 32),
        OID.secp384r1.description: ("P-384", 384, 48),
        OID.secp521r1.description: ("P-521", 521, 66),
    ]
}

/// A public key reduced to what identifies it, so a private key can be matched with its certificate whatever
/// encoding either came in (RSA parameters NULL or absent, compressed or not is not produced by any tool here).
struct PublicKeyIdentity: Sendable, Hashable {
    var algorithm: PublicKeyAlgorithm
    /// RSA: modulus ‖ 0x00 ‖ exponent (both minimal); EC: the uncompressed point; Ed25519: the 32 key bytes.
    var material: [UInt8]
}
