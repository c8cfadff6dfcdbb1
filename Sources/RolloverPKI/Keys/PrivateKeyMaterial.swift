/// A private key that was read and checked: its kind and the public key it belongs to.
/// The key bytes are kept for storage by a later step and are never printed: `description` hides them.
public struct PrivateKeyMaterial: Sendable, CustomStringConvertible {
    public var algorithm: PublicKeyAlgorithm { publicKey.algorithm }
    let publicKey: PublicKeyIdentity
    /// The key as PKCS#1 (RSA), SEC1 (EC) or the 32-byte seed (Ed25519), unencrypted. Secret.
    let secretDER: [UInt8]

    public var description: String { "PrivateKey(\(algorithm.description))" }
}
