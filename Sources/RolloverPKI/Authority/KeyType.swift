import Crypto
import CryptoExtras
import X509

/// The kinds of key Rollover generates: for its CA, its server certificates and its signing requests.
public enum KeyType: String, Sendable, CaseIterable {
    case ecP256 = "ec-p256"
    case rsa2048 = "rsa-2048"
    case rsa3072 = "rsa-3072"

    /// A new key from the system's CSPRNG. RSA-3072 takes a few hundred milliseconds.
    public func generate() throws -> Certificate.PrivateKey {
        switch self {
        case .ecP256: Certificate.PrivateKey(P256.Signing.PrivateKey())
        case .rsa2048: Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        case .rsa3072: Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits3072))
        }
    }
}

extension Certificate.PrivateKey {
    /// SHA-256 with the key's own scheme: what every client accepts (swift-certificates' default is SHA-512 for EC).
    var sha256SignatureAlgorithm: Certificate.SignatureAlgorithm {
        let supported = supportedSignatureAlgorithms
        if supported.contains(.sha256WithRSAEncryption) { return .sha256WithRSAEncryption }
        if supported.contains(.ecdsaWithSHA256) { return .ecdsaWithSHA256 }
        return supported.first ?? .ed25519
    }
}
