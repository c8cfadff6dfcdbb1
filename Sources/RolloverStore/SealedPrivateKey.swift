/// A private key as the store keeps it: AES-GCM ciphertext (nonce ‖ ciphertext ‖ tag) under the master key named
/// by `masterKeyID`. The plaintext never reaches the store.
public struct SealedPrivateKey: Sendable, Hashable {
    /// SHA-256 (hex) of the public key's SubjectPublicKeyInfo: how a signed certificate finds its pending key.
    public var publicKeySHA256: String
    /// "rsa", "ec" or "ed25519" and the size, for listings.
    public var algorithm: String
    /// "authority", "server" or "signing-request".
    public var purpose: String
    public var sealed: [UInt8]
    public var masterKeyID: String

    public init(publicKeySHA256: String, algorithm: String, purpose: String, sealed: [UInt8], masterKeyID: String) {
        self.publicKeySHA256 = publicKeySHA256
        self.algorithm = algorithm
        self.purpose = purpose
        self.sealed = sealed
        self.masterKeyID = masterKeyID
    }
}
