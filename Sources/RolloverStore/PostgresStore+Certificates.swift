import Foundation
import Logging
import NIOCore
import PostgresNIO
import RolloverCore

extension PostgresStore {
    public func insertCertificate(_ certificate: StoredCertificate, actor: AuditActor) async throws -> Int64 {
        try await transaction { connection in
            let id = try await self.single(Int64.self, connection, """
                INSERT INTO certificates (sha256, der, chain_pem, subject, not_before, not_after, state, source, private_key_id,
                  host_name, created_at, from_signing_request)
                VALUES (\(certificate.sha256), \(ByteBuffer(bytes: certificate.der)), \(certificate.chainPEM), \(certificate.subject),
                  \(Self.seconds(certificate.notBefore)), \(Self.seconds(certificate.notAfter)), \(certificate.state.rawValue),
                  \(certificate.source.rawValue), \(certificate.privateKeyID), \(certificate.hostName), \(self.now),
                  \(Int32(certificate.fromSigningRequest ? 1 : 0)))
                RETURNING id
                """)
            try await self.audit(connection, actor, "certificate.add", "certificate", id,
                                 "\(certificate.source.rawValue) \(certificate.subject) \(certificate.sha256)")
            return id
        }
    }

    public func certificates(in state: CertificateState?) async throws -> [StoredCertificate] {
        let found = if let state {
            try await rows("SELECT * FROM certificates WHERE state = \(state.rawValue) ORDER BY id")
        } else {
            try await rows("SELECT * FROM certificates ORDER BY id")
        }
        return try found.map(Self.certificate)
    }

    public func certificate(id: Int64) async throws -> StoredCertificate? {
        try await rows("SELECT * FROM certificates WHERE id = \(id)").first.map(Self.certificate)
    }

    public func setCertificateState(id: Int64, to state: CertificateState, actor: AuditActor) async throws {
        try await transaction { connection in
            let updated = try await self.collect(connection, "UPDATE certificates SET state = \(state.rawValue) WHERE id = \(id) RETURNING id")
            guard updated.count == 1 else { throw StoreError(.notFound, "no certificate \(id)") }
            try await self.audit(connection, actor, "certificate.state", "certificate", id, state.rawValue)
        }
    }

    public func activateCertificate(id: Int64, actor: AuditActor) async throws {
        try await transaction { connection in try await self.activateCertificate(connection, id: id, actor: actor) }
    }

    /// Makes a staged or reserve certificate active (its activation time cleared) and retires the active one of the
    /// same host name; shared by `activateCertificate` and `completeRollover`.
    func activateCertificate(_ connection: PostgresConnection, id: Int64, actor: AuditActor) async throws {
        let found = try await collect(connection, "SELECT host_name, state, source FROM certificates WHERE id = \(id) FOR UPDATE")
        guard let row = found.first else { throw StoreError(.notFound, "no certificate \(id)") }
        let (host, state, source) = try row.decode((String?, String, String).self)
        guard ["staged", "reserve"].contains(state), source != "authority" else {
            throw StoreError(.conflict, "certificate \(id) is \(state); only a staged or reserve certificate can be activated")
        }
        try await connection.query("""
            UPDATE certificates SET state = 'retired'
            WHERE state = 'active' AND source != 'authority' AND host_name IS NOT DISTINCT FROM \(host)
            """, logger: logger)
        try await connection.query("UPDATE certificates SET state = 'active', activates_at = NULL WHERE id = \(id)", logger: logger)
        try await audit(connection, actor, "certificate.activate", "certificate", id, host ?? "default")
    }
}
