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

    // MARK: Enrollment secrets
    /// - Parameter maxUses: how many devices may enroll with it; nil for no limit.
    /// Devices (retired or not) enrolled at or after `since`.
    func devicesEnrolled(since: Date) async throws -> Int
    func insertEnrollmentSecret(name: String, secretSHA256: String, expiresAt: Date?, maxUses: Int?, actor: AuditActor) async throws -> Int64
    func enrollmentSecret(secretSHA256: String) async throws -> EnrollmentSecretRecord?
    func enrollmentSecrets() async throws -> [EnrollmentSecretRecord]
    func revokeEnrollmentSecret(name: String, actor: AuditActor) async throws

    // MARK: Devices
    func deviceCount() async throws -> Int
    /// Enrolls devices in one transaction, each with a delivery in `deliveryState` for every open rollover
    /// (`pending` for a bulk load, `delivered` for a device that received the material in its enrollment answer).
    func insertDevices(_ devices: [NewDevice], deliveryState: DeliveryState, actor: AuditActor) async throws -> [Int64]
    func device(id: Int64) async throws -> DeviceRecord?
    func device(tokenSHA256: String) async throws -> DeviceRecord?
    /// One keyset page of devices ordered by id.
    func devices(matching filter: DeviceFilter, afterID: Int64?, limit: Int) async throws -> [DeviceRecord]
    /// Retires a device: its token stops working and readiness no longer waits for it.
    func retireDevice(id: Int64, actor: AuditActor) async throws
    /// The fingerprints the device's trust store held at its last sync.
    func deviceTrust(deviceID: Int64) async throws -> [String]
    /// Every delivery of one device, newest rollover first.
    func deviceDeliveries(deviceID: Int64) async throws -> [DeviceDelivery]
    /// The device a sync token belongs to, with its deliveries and held fingerprints, in one read (the hot path of
    /// every device sync); nil for an unknown token.
    func syncState(tokenSHA256: String) async throws -> DeviceSyncState?
    /// Active (synced since `activeSince`), unretired devices whose trust store holds none of `fingerprints`:
    /// the devices that would lose the connection if a chain trusted only through those were served.
    func unconfirmedDeviceCount(fingerprints: [String], activeSince: Date) async throws -> Int

    // MARK: Rollovers, trust material and deliveries
    /// Starts a rollover, in one transaction: the rollover row (state `open`), one `pending` delivery per unretired
    /// device, `artifacts` added to the trust material tracked by it (those already current are skipped), and, when
    /// the rollover has a target and `reserveUntil` is set, the target moves to `reserve` with that activation time.
    func insertRollover(_ rollover: NewRollover, artifacts: [TrustArtifactRecord], actor: AuditActor) async throws -> Int64
    func rollovers() async throws -> [RolloverRecord]
    func rollover(id: Int64) async throws -> RolloverRecord?
    /// Records a failed readiness check: the next check, the count so far, and (hold) when it was held.
    /// Only an open rollover; `notFound` otherwise. Audited as `rollover.extend` or `rollover.hold` with `detail`.
    func rescheduleRollover(id: Int64, checkAt: Date, extensions: Int, heldAt: Date?, detail: String, actor: AuditActor) async throws
    /// Activation, in one transaction: the rollover becomes `completed` at `at`, its target `active` (the active
    /// certificate of the same host name `retired`). `conflict` unless the rollover is open and its target staged or
    /// reserve. Audited as `rollover.activate` with `detail` (the readiness figures at that moment). `handover`, when
    /// set, is written in the same transaction, before the switch; `conflict` (`handover-out-of-sequence`) unless
    /// it follows its host's newest record.
    func completeRollover(id: Int64, at: Date, detail: String, handover: StoredHandoverRecord?, actor: AuditActor) async throws
    /// Cancels an open rollover: its target (staged or reserve) becomes `cancelled` and the trust artifacts it
    /// added are withdrawn. `conflict` unless open.
    func cancelRollover(id: Int64, at: Date, actor: AuditActor) async throws
    /// Readiness for one rollover: unretired devices seen since `activeSince`, how many of them have an
    /// `installed` delivery, and the unretired inactive devices whose delivery is not installed.
    func readiness(rolloverID: Int64, activeSince: Date) async throws -> Readiness
    /// Up to `limit` active devices that hold none of `fingerprints` (for a refusal that lists them), by id.
    func unconfirmedDevices(fingerprints: [String], activeSince: Date, limit: Int) async throws -> [DeviceRecord]
    /// Adds a certificate to the trust material; `tracked` starts a `trust` rollover whose deliveries follow it.
    /// Returns the artifact with its id and rollover id.
    func insertTrustArtifact(_ artifact: TrustArtifactRecord, tracked: Bool, actor: AuditActor) async throws -> TrustArtifactRecord
    func trustArtifacts(includeWithdrawn: Bool) async throws -> [TrustArtifactRecord]
    /// Takes a certificate out of the material (devices are told to remove it) and cancels its open rollover.
    func withdrawTrustArtifact(sha256: String, at: Date, actor: AuditActor) async throws
    /// Records a batch of device syncs in one transaction: last-seen times, trust stores and delivery states.
    func recordSyncs(_ reports: [SyncReport]) async throws
    /// Moves failed deliveries to `retrying` (of one rollover, one device, or both); returns how many moved.
    func retryFailedDeliveries(rolloverID: Int64?, deviceID: Int64?, at: Date, actor: AuditActor) async throws -> Int
    func deliveryCounts(rolloverID: Int64) async throws -> [DeliveryState: Int]
    /// One page of a rollover's devices, ordered by device id, filtered (keyset paging).
    func deliveryPage(rolloverID: Int64, filter: DeliveryFilter, afterDeviceID: Int64?, limit: Int) async throws -> [DeliveryRow]

    // MARK: Handover records
    /// Up to `limit` records of `host` ("" the default) after `sequence`, oldest first.
    func handoverRecords(host: String, after sequence: Int, limit: Int) async throws -> [StoredHandoverRecord]
    /// Each host's newest sequence number; hosts without records are absent.
    func latestHandoverSequences() async throws -> [String: Int]
    /// Deletes the records issued before `issuedBefore` (`handover-retention`); returns how many.
    func deleteHandoverRecords(issuedBefore: Date, actor: AuditActor) async throws -> Int
    /// Audits a device's walk through handover records `from`+1...`to` (it says so in its next sync).
    func recordHandoverWalk(deviceID: Int64, from: Int, to: Int, actor: AuditActor) async throws
    /// Unretired devices whose trust state is before `handoverSequence` or unknown.
    func devicesBehind(handoverSequence: Int) async throws -> Int

    // MARK: Alerts
    /// Records an alert unless one with its key was raised before; true when it is new.
    func insertAlert(_ alert: LifecycleAlert, at: Date) async throws -> Bool
    /// The newest alerts first.
    func alerts(limit: Int) async throws -> [AlertRecord]
    /// The keys of every alert raised, so the lifecycle raises each once.
    func alertKeys() async throws -> Set<String>

    // MARK: Settings, admin tokens, audit log
    func setSetting(_ key: String, to value: String, actor: AuditActor) async throws
    func setting(_ key: String) async throws -> String?
    /// Every stored setting in one read (keys never set are absent).
    func settings() async throws -> [String: String]
    func insertAdminToken(name: String, tokenSHA256: String, actor: AuditActor) async throws -> Int64
    func adminToken(tokenSHA256: String) async throws -> AdminTokenRecord?
    func revokeAdminToken(name: String, actor: AuditActor) async throws
    func adminTokens() async throws -> [AdminTokenRecord]
    /// The audit log newest first: at most `limit` entries with an id below `before` (every entry when nil), so
    /// the last id of one page is the `before` of the next (a keyset page).
    func auditLog(limit: Int, before: Int64?) async throws -> [AuditEntry]
    /// Confirmations over time: how many of a rollover's deliveries were confirmed (installed) in each interval of
    /// `bucketSeconds`, by the time of their last change; intervals with none are left out.
    func confirmationTimeline(rolloverID: Int64, bucketSeconds: Int) async throws -> [(start: Date, count: Int)]
    /// The entries about one subject (e.g. a certificate), newest first.
    func auditHistory(subjectKind: String, subjectID: Int64, limit: Int) async throws -> [AuditEntry]
    /// One certificate by id.
    func certificate(id: Int64) async throws -> StoredCertificate?

    /// Releases connections; the store is unusable afterwards.
    func close() async throws
}

/// A store refused a change, with a sentence for the administrator and a stable code.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case notFound = "not-found", conflict, invalid
        /// The store holds something this version cannot read (see `StoredValue`).
        case corrupt
    }
    public var code: Code
    public var description: String
    /// A stable code more precise than `code` (e.g. `last-admin-token`, `name-too-long`), which the API, the console
    /// and the CLI answer with instead of the general one.
    public var specificCode: String?

    public init(_ code: Code, _ description: String, specificCode: String? = nil) {
        self.code = code
        self.description = description
        self.specificCode = specificCode
    }
}


extension Store {
    /// An enrollment secret without a limit of uses.
    public func insertEnrollmentSecret(name: String, secretSHA256: String, expiresAt: Date?, actor: AuditActor) async throws -> Int64 {
        try await insertEnrollmentSecret(name: name, secretSHA256: secretSHA256, expiresAt: expiresAt, maxUses: nil, actor: actor)
    }

    /// The newest `limit` audit entries.
    public func auditLog(limit: Int) async throws -> [AuditEntry] {
        try await auditLog(limit: limit, before: nil)
    }

    /// A rollover with no target window (trust material only, or tests): checks and deadline at `at`.
    public func insertRollover(certificateID: Int64?, preset: String, at: Date, actor: AuditActor) async throws -> Int64 {
        try await insertRollover(NewRollover(certificateID: certificateID, preset: preset, createdAt: at, checkAt: at, deadline: at),
                                 artifacts: [], actor: actor)
    }

    /// An activation that devices at the previous trust state can verify: no handover record.
    public func completeRollover(id: Int64, at: Date, detail: String, actor: AuditActor) async throws {
        try await completeRollover(id: id, at: at, detail: detail, handover: nil, actor: actor)
    }

    public func deliveryPage(rolloverID: Int64, state: DeliveryState?, afterDeviceID: Int64?, limit: Int) async throws -> [DeliveryRow] {
        try await deliveryPage(rolloverID: rolloverID, filter: DeliveryFilter(state: state), afterDeviceID: afterDeviceID, limit: limit)
    }
}
