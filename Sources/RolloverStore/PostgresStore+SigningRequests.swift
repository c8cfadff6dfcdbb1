import Foundation
import Logging
import NIOCore
import PostgresNIO
import RolloverCore

extension PostgresStore {
    public func insertSigningRequest(_ request: StoredSigningRequest, actor: AuditActor) async throws -> Int64 {
        try await transaction { connection in
            let id = try await self.single(Int64.self, connection, """
                INSERT INTO signing_requests (private_key_id, subject, addresses, pem, created_at)
                VALUES (\(request.privateKeyID), \(request.subject), \(request.addresses.joined(separator: "\n")), \(request.pem),
                  \(Self.seconds(request.createdAt)))
                RETURNING id
                """)
            try await self.audit(connection, actor, "signing-request.create", "signing-request", id, request.subject)
            return id
        }
    }

    public func signingRequests() async throws -> [StoredSigningRequest] {
        try await rows("SELECT * FROM signing_requests ORDER BY id").map { row in
            let row = row.makeRandomAccess()
            return StoredSigningRequest(
                id: try row["id"].decode(Int64.self), privateKeyID: try row["private_key_id"].decode(Int64.self),
                subject: try row["subject"].decode(String.self),
                addresses: try row["addresses"].decode(String.self).split(separator: "\n").map(String.init),
                pem: try row["pem"].decode(String.self), createdAt: Self.date(try row["created_at"].decode(Int64.self)))
        }
    }

    public func deleteSigningRequest(id: Int64, actor: AuditActor) async throws {
        try await transaction { connection in
            let deleted = try await self.collect(connection, "DELETE FROM signing_requests WHERE id = \(id) RETURNING private_key_id")
            guard let keyID = try deleted.first?.decode(Int64.self) else {
                throw StoreError(.notFound, "no signing request \(id)")
            }
            try await connection.query("""
                DELETE FROM private_keys WHERE id = \(keyID) AND NOT EXISTS (SELECT 1 FROM certificates WHERE private_key_id = \(keyID))
                """, logger: self.logger)
            try await self.audit(connection, actor, "signing-request.delete", "signing-request", id, nil)
        }
    }
}
