import Foundation
import RolloverCore
import RolloverPKI
import RolloverStore
import SwiftASN1
import Synchronization
import X509

/// The trust material every device must hold, as one snapshot: current anchors and pins with the rollover
/// tracking each, the fingerprints withdrawn since, the open rollovers, and the sync settings. Syncs read it
/// thousands of times a second, so it is cached and reloaded when an administrator changes any of it (or after a
/// second, for changes made on other nodes).
final class TrustMaterial: Sendable {
    struct Snapshot: Sendable {
        var items: [SyncPlanner.MaterialItem]
        var withdrawn: Set<String>
        var openRollovers: Set<Int64>
        /// `sync-period-seconds`: when a device comes back (before jitter).
        var syncPeriod: Int
        /// `delivery-retry-seconds`: how long a failed delivery rests before it is sent again on its own.
        var retryAfter: TimeInterval
        var loadedAt: ContinuousClock.Instant

        static let empty = Snapshot(items: [], withdrawn: [], openRollovers: [], syncPeriod: 3600, retryAfter: 21_600,
                                    loadedAt: .now - .seconds(3600))
    }

    private let store: any Store
    private let cached = Mutex(Snapshot.empty)
    private static let freshFor: Duration = .seconds(1)

    init(store: any Store) { self.store = store }

    func snapshot() async throws -> Snapshot {
        let current = cached.withLock { $0 }
        if ContinuousClock.now - current.loadedAt < Self.freshFor { return current }
        return try await reload()
    }

    /// Reloads at once; called after every change an administrator makes on this node.
    @discardableResult
    func reload() async throws -> Snapshot {
        let artifacts = try await store.trustArtifacts(includeWithdrawn: true)
        let open = Set(try await store.rollovers().filter { $0.state == .open }.map(\.id))
        let current = artifacts.filter { $0.withdrawnAt == nil }
        let snapshot = Snapshot(
            items: current.map { artifact in
                SyncPlanner.MaterialItem(item: TrustItem(role: artifact.role, fingerprint: artifact.sha256, pem: Self.pem(artifact.der)),
                                         rolloverID: artifact.rolloverID.flatMap { open.contains($0) ? $0 : nil })
            },
            withdrawn: Set(artifacts.filter { $0.withdrawnAt != nil }.map(\.sha256)).subtracting(current.map(\.sha256)),
            openRollovers: open, syncPeriod: try await setting("sync-period-seconds"),
            retryAfter: TimeInterval(try await setting("delivery-retry-seconds")), loadedAt: .now)
        cached.withLock { $0 = snapshot }
        return snapshot
    }

    private func setting(_ key: String) async throws -> Int {
        Int(try await store.setting(key) ?? Settings.defaults[key] ?? "") ?? 3600
    }

    static func pem(_ der: [UInt8]) -> String {
        PEMDocument(type: "CERTIFICATE", derBytes: der).pemString
    }

    /// Every certificate a device may hold to trust `target`: the leaf itself (a pin), each certificate of its
    /// chain, and for certificates of our own CA, that CA's root.
    static func fingerprints(trusting target: StoredCertificate, store: any Store) async throws -> [String] {
        var fingerprints = [target.sha256]
        fingerprints += ((try? PEMDocument.parseMultiple(pemString: target.chainPEM)) ?? []).map { ParsedCertificate.sha256Fingerprint(of: $0.derBytes) }
        if target.source == .issued {
            fingerprints += try await store.certificates(in: .active).filter { $0.source == .authority }.map(\.sha256)
        }
        return fingerprints
    }
}
