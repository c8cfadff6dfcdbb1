import Foundation
import RolloverCore

/// Persistence for everything Rollover decides, behind one protocol with two implementations: SQLite (one
/// machine, the default) and PostgreSQL (several nodes). Every change is one transaction and writes its audit
/// entry in that same transaction. The store holds no business rules and never sees an unencrypted key.
public protocol Store: Sendable {
    /// Creates or upgrades the schema (versioned migrations).
    func migrate() async throws

    // MARK: Private keys, sealed by `KeyVault` before they arrive
    func insertPrivateKey(_ key: SealedPrivateKey, actor: AuditActor) async throws -> Int64
    func privateKey(id: Int64) async throws -> SealedPrivateKey?
    func privateKeyID(publicKeySHA256: String) async throws -> Int64?
    func allPrivateKeys() async throws -> [Int64: SealedPrivateKey]
    /// Replaces every sealed key at once (master key rotation): all or nothing.
    func replacePrivateKeys(_ keys: [Int64: SealedPrivateKey], actor: AuditActor) async throws
    func deletePrivateKey(id: Int64, actor: AuditActor) async throws

    // MARK: Certificates
    func insertCertificate(_ certificate: StoredCertificate, actor: AuditActor) async throws -> Int64
    func certificates(in state: CertificateState?) async throws -> [StoredCertificate]
    func setCertificateState(id: Int64, to state: CertificateState, actor: AuditActor) async throws
    /// Makes a certificate the active one for its host name (nil: the default), retiring the one it replaces, at once.
    func activateCertificate(id: Int64, actor: AuditActor) async throws

    // MARK: Signing requests
    func insertSigningRequest(_ request: StoredSigningRequest, actor: AuditActor) async throws -> Int64
    func signingRequests() async throws -> [StoredSigningRequest]
    func deleteSigningRequest(id: Int64, actor: AuditActor) async throws

    // MARK: Devices, rollovers and deliveries
    func deviceCount() async throws -> Int
    /// Enrolls many devices in one transaction; returns their ids in order.
    func insertDevices(_ devices: [NewDevice], actor: AuditActor) async throws -> [Int64]
    /// Starts a rollover for a certificate with one `pending` delivery per enrolled device.
    func insertRollover(certificateID: Int64, preset: String, at: Date, actor: AuditActor) async throws -> Int64
    /// Records a batch of device syncs in one transaction: last-seen times and delivery states.
    func recordSyncs(_ reports: [SyncReport]) async throws
    func deliveryCounts(rolloverID: Int64) async throws -> [DeliveryState: Int]
    /// One page of a rollover's devices, ordered by device id, optionally filtered by state (keyset paging).
    func deliveryPage(rolloverID: Int64, state: DeliveryState?, afterDeviceID: Int64?, limit: Int) async throws -> [DeliveryRow]

    // MARK: Settings, admin tokens, audit log
    func setSetting(_ key: String, to value: String, actor: AuditActor) async throws
    func setting(_ key: String) async throws -> String?
    func insertAdminToken(name: String, tokenSHA256: String, actor: AuditActor) async throws -> Int64
    func adminToken(tokenSHA256: String) async throws -> AdminTokenRecord?
    func revokeAdminToken(name: String, actor: AuditActor) async throws
    func adminTokens() async throws -> [AdminTokenRecord]
    func auditLog(limit: Int) async throws -> [AuditEntry]

    /// Releases connections; the store is unusable afterwards.
    func close() async throws
}

/// A store refused a change, with a sentence for the administrator and a stable code.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable { case notFound = "not-found", conflict, invalid }
    public var code: Code
    public var description: String
    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
