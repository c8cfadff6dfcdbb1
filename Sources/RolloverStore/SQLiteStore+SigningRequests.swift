import Foundation
import GRDB
import RolloverCore

extension SQLiteStore {
    public func insertSigningRequest(_ request: StoredSigningRequest, actor: AuditActor) async throws -> Int64 {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO signing_requests (private_key_id, subject, addresses, pem, created_at) VALUES (?, ?, ?, ?, ?)
                """, arguments: [request.privateKeyID, request.subject, request.addresses.joined(separator: "\n"), request.pem,
                                 Self.seconds(request.createdAt)])
            let id = db.lastInsertedRowID
            try self.audit(db, actor, "signing-request.create", "signing-request", id, request.subject)
            return id
        }
    }

    public func signingRequests() async throws -> [StoredSigningRequest] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM signing_requests ORDER BY id").map { row in
                StoredSigningRequest(
                    id: row["id"], privateKeyID: row["private_key_id"], subject: row["subject"],
                    addresses: (row["addresses"] as String).split(separator: "\n").map(String.init), pem: row["pem"],
                    createdAt: Self.date(row["created_at"]))
            }
        }
    }

    public func deleteSigningRequest(id: Int64, actor: AuditActor) async throws {
        try await write { db in
            guard let keyID = try Int64.fetchOne(db, sql: "SELECT private_key_id FROM signing_requests WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no signing request \(id)")
            }
            try db.execute(sql: "DELETE FROM signing_requests WHERE id = ?", arguments: [id])
            // The pending key goes with its request unless a certificate already uses it.
            try db.execute(sql: """
                DELETE FROM private_keys WHERE id = ? AND NOT EXISTS (SELECT 1 FROM certificates WHERE private_key_id = ?)
                """, arguments: [keyID, keyID])
            try self.audit(db, actor, "signing-request.delete", "signing-request", id, nil)
        }
    }
}
