import Crypto
import CryptoExtras
import X509

extension PrivateKeyMaterial {
    /// The key as swift-certificates' signing key, to store and later serve. Only keys that passed inspection
    /// get here, so RSA keys are at least 2048 bits.
    public func certificatePrivateKey() throws -> Certificate.PrivateKey {
        switch algorithm {
        case .rsa: return Certificate.PrivateKey(try _RSA.Signing.PrivateKey(derRepresentation: secretDER))
        case .ec(let curve, _):
            switch curve {
            case "P-256": return Certificate.PrivateKey(try P256.Signing.PrivateKey(derRepresentation: secretDER))
            case "P-384": return Certificate.PrivateKey(try P384.Signing.PrivateKey(derRepresentation: secretDER))
            default: return Certificate.PrivateKey(try P521.Signing.PrivateKey(derRepresentation: secretDER))
            }
        case .ed25519: return Certificate.PrivateKey(try Curve25519.Signing.PrivateKey(rawRepresentation: secretDER))
        case .unsupported(let name): throw AuthorityError("\(name) keys cannot be used by the server")
        }
    }
}
