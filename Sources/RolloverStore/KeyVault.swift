import Crypto
import Foundation

/// Seals and opens private keys with AES-GCM under the master key. The public key's fingerprint is bound as
/// authenticated data, so a sealed key cannot be moved onto another key's record unnoticed.
public struct KeyVault: Sendable {
    public let masterKey: MasterKey

    public init(masterKey: MasterKey) { self.masterKey = masterKey }

    public func seal(_ plaintext: [UInt8], publicKeySHA256: String, algorithm: String, purpose: String) throws -> SealedPrivateKey {
        let box = try AES.GCM.seal(plaintext, using: masterKey.key, authenticating: Array(publicKeySHA256.utf8))
        guard let combined = box.combined else { throw StoreError(.invalid, "AES-GCM gave no combined box") }
        return SealedPrivateKey(
            publicKeySHA256: publicKeySHA256, algorithm: algorithm, purpose: purpose, sealed: Array(combined), masterKeyID: masterKey.id)
    }

    public func open(_ sealed: SealedPrivateKey) throws -> [UInt8] {
        guard sealed.masterKeyID == masterKey.id else {
            throw StoreError(.invalid, "the key was sealed under master key \(sealed.masterKeyID), not the current \(masterKey.id): give the right master key")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.sealed)
            return Array(try AES.GCM.open(box, using: masterKey.key, authenticating: Array(sealed.publicKeySHA256.utf8)))
        } catch {
            throw StoreError(.invalid, "a stored private key does not open with the master key: it was altered or the key is wrong")
        }
    }

    /// Re-seals every key under `newVault` (master key rotation); the store writes the result in one transaction.
    public func reseal(_ keys: [Int64: SealedPrivateKey], under newVault: KeyVault) throws -> [Int64: SealedPrivateKey] {
        try keys.mapValues { sealed in
            try newVault.seal(try open(sealed), publicKeySHA256: sealed.publicKeySHA256, algorithm: sealed.algorithm, purpose: sealed.purpose)
        }
    }
}
