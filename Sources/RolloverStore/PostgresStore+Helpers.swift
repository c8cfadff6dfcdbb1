import Foundation
import Logging
import NIOCore
import PostgresNIO
import RolloverCore

extension PostgresStore {
    static func auditEntry(_ row: PostgresRow) throws -> AuditEntry {
        let (id, at, actor, action, kind, subject, detail) = try row.decode((Int64, Int64, String, String, String?, Int64?, String?).self)
        return AuditEntry(id: id, at: Self.date(at), actor: actor, action: action, subjectKind: kind, subjectID: subject, detail: detail)
    }

    struct DeliveryKey: Hashable {
        var rolloverID: Int64
        var deviceID: Int64
    }

    /// What a batch leaves on one device row: its last report's time and version, its last platform and trust store.
    struct SeenDevice {
        var at: Int64
        var agentVersion: String
        var platform: DevicePlatform?
        var held: [String]?
        var handoverSequence: Int?
    }

    /// The net effect of a batch's updates to one delivery, as `SQLiteStore` writes them one by one: an update
    /// that repeats the state with no reason and no attempt is skipped; the others set state, reason and time and
    /// add their attempt. Only whether the first one is skipped depends on the stored state.
    struct FoldedDelivery {
        var state: DeliveryState
        var reason: String?
        var at: Int64
        var attempts: Int
        /// An update after the first one is written whatever the stored state.
        var writtenAnyway: Bool
        let firstState: DeliveryState

        init(_ update: SyncReport.DeliveryUpdate, at: Int64) {
            state = update.state
            reason = update.reason
            self.at = at
            attempts = update.attempted ? 1 : 0
            writtenAnyway = update.reason != nil || update.attempted
            firstState = update.state
        }

        mutating func fold(_ update: SyncReport.DeliveryUpdate, at: Int64) {
            if update.state != state || update.reason != nil || update.attempted {
                writtenAnyway = true
                reason = update.reason
                self.at = at
                if update.attempted { attempts += 1 }
            }
            state = update.state
        }

        func applies(over stored: Int) -> Bool { writtenAnyway || stored != firstState.rawValue }
    }

    /// Advisory lock between enrolling devices (shared) and starting rollovers (exclusive).
    static let rolloverLock: Int64 = 7_270_002
    /// Held by a key's insertion and by a master key rotation's re-sealing, one at a time.
    static let masterKeyLock: Int64 = 7_270_003

    /// Runs `body` in a transaction and reports failures as `StoreError` where they have a meaning for callers.
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let failure as PostgresTransactionError {
            throw Self.meaning(of: failure.closureError ?? failure.commitError ?? failure.beginError ?? failure)
        }
    }

    /// A unique violation is a conflict; only the constraint's name is kept, since the detail quotes the values.
    static func meaning(of error: any Error) -> any Error {
        if let psql = error as? PSQLError, psql.serverInfo?[.sqlState] == "23505" {
            return StoreError(.conflict, "that already exists (\(psql.serverInfo?[.constraintName] ?? "unique constraint"))")
        }
        return error
    }

    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await client.query(query, logger: logger) { rows.append(row) }
        return rows
    }

    func collect(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await connection.query(query, logger: logger) { rows.append(row) }
        return rows
    }

    func single<Value: PostgresDecodable>(_ type: Value.Type, _ connection: PostgresConnection, _ query: PostgresQuery) async throws -> Value {
        guard let row = try await collect(connection, query).first else { throw StoreError(.invalid, "the database returned no row") }
        return try row.decode(Value.self)
    }

    func audit(_ connection: PostgresConnection, _ actor: AuditActor, _ action: String, _ kind: String?, _ id: Int64?, _ detail: String?) async throws {
        try await connection.query("""
            INSERT INTO audit_log (at, actor, action, subject_kind, subject_id, detail)
            VALUES (\(self.now), \(actor.name), \(action), \(kind), \(id), \(detail))
            """, logger: logger)
    }

    static func enrollmentSecret(_ row: PostgresRow) throws -> EnrollmentSecretRecord {
        let (id, name, hash, created, expires, revoked, maxUses, uses) = try row.decode((Int64, String, String, Int64, Int64?, Int64?, Int64?, Int64).self)
        return EnrollmentSecretRecord(id: id, name: name, secretSHA256: hash, createdAt: Self.date(created), expiresAt: expires.map(date),
                                      revokedAt: revoked.map(date), maxUses: maxUses.map { Int($0) }, uses: Int(uses))
    }

    static func certificate(_ row: PostgresRow) throws -> StoredCertificate {
        let row = row.makeRandomAccess()
        return StoredCertificate(
            id: try row["id"].decode(Int64.self), sha256: try row["sha256"].decode(String.self),
            der: Array(buffer: try row["der"].decode(ByteBuffer.self)), chainPEM: try row["chain_pem"].decode(String.self),
            subject: try row["subject"].decode(String.self), notBefore: Self.date(try row["not_before"].decode(Int64.self)),
            notAfter: Self.date(try row["not_after"].decode(Int64.self)),
            state: try StoredValue.decode(try row["state"].decode(String.self), table: "certificates", column: "state", row: try row["id"].decode(Int64.self)),
            source: try StoredValue.decode(try row["source"].decode(String.self), table: "certificates", column: "source", row: try row["id"].decode(Int64.self)),
            privateKeyID: try row["private_key_id"].decode(Int64?.self), hostName: try row["host_name"].decode(String?.self),
            fromSigningRequest: try row["from_signing_request"].decode(Int32.self) != 0)
    }

    static func rollover(_ row: PostgresRow) throws -> RolloverRecord {
        let row = row.makeRandomAccess()
        return RolloverRecord(
            id: try row["id"].decode(Int64.self), certificateID: try row["certificate_id"].decode(Int64?.self),
            preset: try row["preset"].decode(String.self),
            state: try StoredValue.decode(try row["state"].decode(String.self), table: "rollovers", column: "state", row: try row["id"].decode(Int64.self)),
            createdAt: Self.date(try row["created_at"].decode(Int64.self)), hostName: try row["host_name"].decode(String?.self),
            checkAt: Self.date(try row["check_at"].decode(Int64.self)), deadline: Self.date(try row["deadline_at"].decode(Int64.self)),
            extensions: try row["extensions"].decode(Int.self), heldAt: try row["held_at"].decode(Int64?.self).map(date),
            completedAt: try row["completed_at"].decode(Int64?.self).map(date),
            addresses: StoreSchema.addresses(try row["addresses"].decode(String?.self)))
    }

    static func device(_ row: PostgresRow) throws -> DeviceRecord {
        let row = row.makeRandomAccess()
        return DeviceRecord(
            id: try row["id"].decode(Int64.self), name: try row["name"].decode(String.self),
            platform: try StoredValue.decode(try row["platform"].decode(String.self), table: "devices", column: "platform", row: try row["id"].decode(Int64.self)),
            tokenSHA256: try row["token_sha256"].decode(String.self), agentVersion: try row["agent_version"].decode(String?.self),
            enrolledAt: Self.date(try row["enrolled_at"].decode(Int64.self)), lastSeenAt: try row["last_seen_at"].decode(Int64?.self).map(date),
            retiredAt: try row["retired_at"].decode(Int64?.self).map(date),
            handoverSequence: try row["handover_sequence"].decode(Int64?.self).map { Int($0) })
    }

    static func sealedKey(_ row: PostgresRow) throws -> SealedPrivateKey {
        let row = row.makeRandomAccess()
        return SealedPrivateKey(
            publicKeySHA256: try row["public_key_sha256"].decode(String.self), algorithm: try row["algorithm"].decode(String.self),
            purpose: try row["purpose"].decode(String.self), sealed: Array(buffer: try row["sealed"].decode(ByteBuffer.self)),
            masterKeyID: try row["master_key_id"].decode(String.self))
    }

    var now: Int64 { Self.seconds(time.now()) }
    static func seconds(_ date: Date) -> Int64 { SQLiteStore.seconds(date) }
    static func date(_ seconds: Int64) -> Date { SQLiteStore.date(seconds) }
}
