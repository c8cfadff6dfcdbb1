import Crypto
import Foundation
import RolloverCore
import Testing
@testable import RolloverStore

// Nested in the serialized conformance suite: the PostgreSQL tests share one database.
extension StoreConformanceTests {
    /// Every key in a store is sealed under one master key: a process still holding the key a rotation discarded
    /// (a server that started before it) cannot add a key that could never be opened again.
    @Suite("Sealed key consistency")
    struct SealedKeyConsistency {
        func sealed(_ vault: KeyVault) throws -> SealedPrivateKey {
            let key = P256.Signing.PrivateKey()
            let fingerprint = SHA256.hash(data: key.publicKey.derRepresentation).map { String(format: "%02x", $0) }.joined()
            return try vault.seal(Array(key.derRepresentation), publicKeySHA256: fingerprint, algorithm: "ec P-256", purpose: "server")
        }

        @Test("after a rotation a key sealed under the old master key is refused with master-key-rotated", arguments: StoreKind.allCases)
        func oldMasterKeyIsRefused(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let old = KeyVault(masterKey: .generate()), new = KeyVault(masterKey: .generate())
            _ = try await store.insertPrivateKey(try sealed(old), actor: .system)
            try await store.replacePrivateKeys(try old.reseal(try await store.allPrivateKeys(), under: new), actor: .system)

            let late = try sealed(old)
            let refusal = await #expect(throws: StoreError.self) { _ = try await store.insertPrivateKey(late, actor: .system) }
            #expect(refusal?.specificCode == "master-key-rotated")
            #expect(refusal?.code == .conflict)
            #expect(try await store.privateKeyID(publicKeySHA256: late.publicKeySHA256) == nil, "nothing was kept")
            #expect(try await store.allPrivateKeys().values.allSatisfy { $0.masterKeyID == new.masterKey.id })

            _ = try await store.insertPrivateKey(try sealed(new), actor: .system)
            #expect(try await store.allPrivateKeys().count == 2)
            try await store.close()
        }
    }
}
