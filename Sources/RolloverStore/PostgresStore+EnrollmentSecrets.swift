import Foundation
import Logging
import NIOCore
import PostgresNIO
import RolloverCore

extension PostgresStore {
    public func insertEnrollmentSecret(name: String, secretSHA256: String, expiresAt: Date?, maxUses: Int?, actor: AuditActor) async throws -> Int64 {
        try NameLimit.check(name, what: "an enrollment secret's name")
        return try await transaction { connection in
            let taken = try await self.single(Int64.self, connection, "SELECT count(*) FROM enrollment_secrets WHERE name = \(name)")
            guard taken == 0 else { throw StoreError(.conflict, "an enrollment secret named \"\(name)\" exists already") }
            let id = try await self.single(Int64.self, connection, """
                INSERT INTO enrollment_secrets (name, secret_sha256, created_at, expires_at, max_uses)
                VALUES (\(name), \(secretSHA256), \(self.now), \(expiresAt.map(Self.seconds)), \(maxUses.map(Int64.init))) RETURNING id
                """)
            try await self.audit(connection, actor, "enrollment-secret.create", "enrollment-secret", id, name)
            return id
        }
    }

    public func enrollmentSecret(secretSHA256: String) async throws -> EnrollmentSecretRecord? {
        try await rows("""
            SELECT \(unescaped: StoreSchema.enrollmentSecretColumns) FROM enrollment_secrets s WHERE s.secret_sha256 = \(secretSHA256)
            """).first.map(Self.enrollmentSecret)
    }

    public func enrollmentSecrets() async throws -> [EnrollmentSecretRecord] {
        try await rows("SELECT \(unescaped: StoreSchema.enrollmentSecretColumns) FROM enrollment_secrets s ORDER BY s.id")
            .map(Self.enrollmentSecret)
    }

    public func revokeEnrollmentSecret(name: String, actor: AuditActor) async throws {
        try await transaction { connection in
            let revoked = try await self.collect(connection, """
                UPDATE enrollment_secrets SET revoked_at = \(self.now) WHERE name = \(name) AND revoked_at IS NULL RETURNING id
                """)
            guard revoked.count == 1 else { throw StoreError(.notFound, "no active enrollment secret named \"\(name)\"") }
            try await self.audit(connection, actor, "enrollment-secret.revoke", "enrollment-secret", nil, name)
        }
    }
}
