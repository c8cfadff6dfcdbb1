import Foundation
import Logging
import NIOCore
import PostgresNIO
import RolloverCore

extension PostgresStore {
    public func insertPrivateKey(_ key: SealedPrivateKey, actor: AuditActor) async throws -> Int64 {
        try await transaction { connection in
            // Exclusive with a rotation's re-sealing: a key is either re-sealed by it or refused after it.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.masterKeyLock))", logger: self.logger)
            let current = try await self.collect(connection, "SELECT master_key_id FROM private_keys WHERE master_key_id <> \(key.masterKeyID) LIMIT 1")
            if let row = current.first {
                throw MasterKeyRefusal.rotated(storeKey: try row.decode(String.self), processKey: key.masterKeyID)
            }
            let id = try await self.single(Int64.self, connection, """
                INSERT INTO private_keys (public_key_sha256, algorithm, purpose, sealed, master_key_id, created_at)
                VALUES (\(key.publicKeySHA256), \(key.algorithm), \(key.purpose), \(ByteBuffer(bytes: key.sealed)), \(key.masterKeyID), \(self.now))
                RETURNING id
                """)
            try await self.audit(connection, actor, "private-key.create", "private-key", id, "\(key.algorithm) for \(key.purpose)")
            return id
        }
    }

    public func privateKey(id: Int64) async throws -> SealedPrivateKey? {
        let found = try await rows("SELECT * FROM private_keys WHERE id = \(id)")
        return try found.first.map(Self.sealedKey)
    }

    public func privateKeyID(publicKeySHA256: String) async throws -> Int64? {
        let found = try await rows("SELECT id FROM private_keys WHERE public_key_sha256 = \(publicKeySHA256)")
        return try found.first?.decode(Int64.self)
    }

    public func allPrivateKeys() async throws -> [Int64: SealedPrivateKey] {
        var keys: [Int64: SealedPrivateKey] = [:]
        for row in try await rows("SELECT * FROM private_keys") {
            keys[try row.makeRandomAccess()["id"].decode(Int64.self)] = try Self.sealedKey(row)
        }
        return keys
    }

    public func replacePrivateKeys(_ keys: [Int64: SealedPrivateKey], actor: AuditActor) async throws {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.masterKeyLock))", logger: self.logger)
            let existing = try await self.single(Int64.self, connection, "SELECT count(*) FROM private_keys")
            guard existing == keys.count else { throw StoreError(.conflict, "keys were added or removed during the rotation; run it again") }
            for (id, key) in keys {
                try await connection.query(
                    "UPDATE private_keys SET sealed = \(ByteBuffer(bytes: key.sealed)), master_key_id = \(key.masterKeyID) WHERE id = \(id)",
                    logger: self.logger)
            }
            let master = keys.values.first?.masterKeyID ?? "-"
            try await self.audit(connection, actor, "master-key.rotate", nil, nil, "\(keys.count) keys re-sealed under master key \(master)")
        }
    }

    public func deletePrivateKey(id: Int64, actor: AuditActor) async throws {
        try await transaction { connection in
            let deleted = try await self.collect(connection, "DELETE FROM private_keys WHERE id = \(id) RETURNING id")
            guard deleted.count == 1 else { throw StoreError(.notFound, "no private key \(id)") }
            try await self.audit(connection, actor, "private-key.delete", "private-key", id, nil)
        }
    }
}
