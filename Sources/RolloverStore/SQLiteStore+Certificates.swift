import Foundation
import GRDB
import RolloverCore

extension SQLiteStore {
    public func insertCertificate(_ certificate: StoredCertificate, actor: AuditActor) async throws -> Int64 {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO certificates (sha256, der, chain_pem, subject, not_before, not_after, state, source,
                  private_key_id, host_name, created_at, from_signing_request) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    certificate.sha256, Data(certificate.der), certificate.chainPEM, certificate.subject,
                    Self.seconds(certificate.notBefore), Self.seconds(certificate.notAfter), certificate.state.rawValue,
                    certificate.source.rawValue, certificate.privateKeyID, certificate.hostName, self.now,
                    certificate.fromSigningRequest ? 1 : 0,
                ])
            let id = db.lastInsertedRowID
            try self.audit(db, actor, "certificate.add", "certificate", id, "\(certificate.source.rawValue) \(certificate.subject) \(certificate.sha256)")
            return id
        }
    }

    public func certificates(in state: CertificateState?) async throws -> [StoredCertificate] {
        try await pool.read { db in
            let rows = try state.map { try Row.fetchAll(db, sql: "SELECT * FROM certificates WHERE state = ? ORDER BY id", arguments: [$0.rawValue]) }
                ?? Row.fetchAll(db, sql: "SELECT * FROM certificates ORDER BY id")
            return try rows.map(Self.certificate)
        }
    }

    public func setCertificateState(id: Int64, to state: CertificateState, actor: AuditActor) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE certificates SET state = ? WHERE id = ?", arguments: [state.rawValue, id])
            guard db.changesCount == 1 else { throw StoreError(.notFound, "no certificate \(id)") }
            try self.audit(db, actor, "certificate.state", "certificate", id, state.rawValue)
        }
    }

    public func activateCertificate(id: Int64, actor: AuditActor) async throws {
        try await write { db in try self.activateCertificate(db, id: id, actor: actor) }
    }

    /// Makes a staged or reserve certificate active (its activation time cleared) and retires the active one of the
    /// same host name; shared by `activateCertificate` and `completeRollover`.
    func activateCertificate(_ db: Database, id: Int64, actor: AuditActor) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT host_name, state, source FROM certificates WHERE id = ?", arguments: [id]) else {
            throw StoreError(.notFound, "no certificate \(id)")
        }
        guard ["staged", "reserve"].contains(row["state"] as String), (row["source"] as String) != "authority" else {
            throw StoreError(.conflict, "certificate \(id) is \(row["state"] as String); only a staged or reserve certificate can be activated")
        }
        let host: String? = row["host_name"]
        try db.execute(sql: """
            UPDATE certificates SET state = 'retired'
            WHERE state = 'active' AND source != 'authority' AND host_name IS ?
            """, arguments: [host])
        try db.execute(sql: "UPDATE certificates SET state = 'active', activates_at = NULL WHERE id = ?", arguments: [id])
        try audit(db, actor, "certificate.activate", "certificate", id, host ?? "default")
    }

    public func certificate(id: Int64) async throws -> StoredCertificate? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM certificates WHERE id = ?", arguments: [id]).map(Self.certificate) }
    }
}
