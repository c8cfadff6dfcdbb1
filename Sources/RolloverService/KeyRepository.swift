import Foundation
import RolloverPKI
import RolloverStore
import X509

/// Private keys in and out of the store: sealed on the way in, opened on the way out, never written anywhere else.
public struct KeyRepository: Sendable {
    let context: ServiceContext

    public init(_ context: ServiceContext) { self.context = context }

    public func save(_ key: Certificate.PrivateKey, purpose: String) async throws -> Int64 {
        let fingerprint = try PublicKeyFingerprint.of(key.publicKey)
        let pem = Array(try key.serializeAsPEM().pemString.utf8)
        let sealed = try context.vault.seal(pem, publicKeySHA256: fingerprint, algorithm: "\(key.publicKey)", purpose: purpose)
        return try await context.store.insertPrivateKey(sealed, actor: context.actor)
    }

    public func load(id: Int64) async throws -> Certificate.PrivateKey {
        guard let sealed = try await context.store.privateKey(id: id) else { throw StoreError(.notFound, "no private key \(id)") }
        return try Certificate.PrivateKey(pemEncoded: String(decoding: try context.vault.open(sealed), as: UTF8.self))
    }
}
