import Foundation
import RolloverCore
import RolloverPKI
import RolloverStore
import SwiftASN1
import Synchronization
import X509

/// The trust material every device must hold, as one snapshot: current anchors and pins with the rollover
/// tracking each, the fingerprints withdrawn since, the reserve certificate being distributed, the open
/// rollovers, the announced connection addresses and the sync settings. Syncs read it thousands of times a second,
/// so it is cached and reloaded when an administrator or the lifecycle changes any of it (or after a second, for
/// changes made on other nodes).
public final class TrustMaterial: Sendable {
    public struct Snapshot: Sendable {
        public var items: [SyncPlanner.MaterialItem]
        public var withdrawn: Set<String>
        public var reserve: SyncPlanner.ReserveMaterial?
        public var openRollovers: Set<Int64>
        /// The connection addresses devices are told to use.
        public var addresses: [String]
        /// `sync-period-seconds`: when a device comes back (before jitter).
        public var syncPeriod: Int
        /// `delivery-retry-seconds`: how long a failed delivery rests before it is sent again on its own.
        public var retryAfter: TimeInterval
        /// Each host's newest handover record ("" the default certificate's); hosts without one are absent.
        public var handovers: [String: Int] = [:]
        /// The host names that have a certificate of their own; any other name is served the default one.
        public var servedHosts: Set<String> = []
        /// `handover-max-age` in seconds, told to devices in every answer.
        public var handoverMaximumAge: Int = 730 * 86_400
        var loadedAt: ContinuousClock.Instant

        static let empty = Snapshot(items: [], withdrawn: [], reserve: nil, openRollovers: [], addresses: [], syncPeriod: 3600,
                                    retryAfter: 21_600, loadedAt: .now - .seconds(3600))

        /// The handover chain a device reaching the server as `host` follows: its host's own, else the default's.
        public func handoverPosition(host: String?) -> HandoverPosition {
            let name = host?.lowercased() ?? ""
            let chain = servedHosts.contains(name) ? name : ""
            return HandoverPosition(host: chain, sequence: handovers[chain] ?? 0, maximumAgeSeconds: handoverMaximumAge)
        }
    }

    private let store: any Store
    private let configuredAddresses: [String]
    private let cached = Mutex(Snapshot.empty)
    private static let freshFor: Duration = .seconds(1)

    /// - Parameter addresses: the connection addresses the server was started with, announced until an address
    ///   change replaces them.
    public init(store: any Store, addresses: [String]) {
        self.store = store
        configuredAddresses = addresses
    }

    public func snapshot(now: Date) async throws -> Snapshot {
        let current = cached.withLock { $0 }
        if ContinuousClock.now - current.loadedAt < Self.freshFor { return current }
        return try await reload(now: now)
    }

    /// Reloads at once; called after every change on this node. `now` places the end of an address change's
    /// overlap (virtual in the simulator).
    @discardableResult
    public func reload(now: Date) async throws -> Snapshot {
        let artifacts = try await store.trustArtifacts(includeWithdrawn: true)
        let rollovers = try await store.rollovers()
        let open = Set(rollovers.filter { $0.state == .open }.map(\.id))
        let current = artifacts.filter { $0.withdrawnAt == nil }
        let settings = try await store.allSettings()
        func number(_ key: String) -> Int { ServerSettings.wholeNumber(key, stored: settings[key]) }
        let syncPeriod = number("sync-period-seconds")
        let policy = LifecyclePolicy(setting: { settings[$0] })
        var snapshot = Snapshot(
            items: current.map { artifact in
                SyncPlanner.MaterialItem(item: TrustItem(role: artifact.role, fingerprint: artifact.sha256, pem: Self.pem(artifact.der)),
                                         rolloverID: artifact.rolloverID.flatMap { open.contains($0) ? $0 : nil })
            },
            withdrawn: Set(artifacts.filter { $0.withdrawnAt != nil }.map(\.sha256)).subtracting(current.map(\.sha256)),
            reserve: try await reserve(rollovers.filter { $0.state == .open }),
            openRollovers: open, addresses: announced(rollovers, now: now, syncPeriod: syncPeriod), syncPeriod: syncPeriod,
            retryAfter: TimeInterval(number("delivery-retry-seconds")), loadedAt: .now)
        snapshot.handovers = try await store.latestHandoverSequences()
        snapshot.servedHosts = Set(try await store.certificates(in: .active).compactMap { $0.hostName?.lowercased() })
        snapshot.handoverMaximumAge = Int(policy.handoverMaximumAge)
        cached.withLock { $0 = snapshot }
        return snapshot
    }

    /// The reserve of the open rollover that activates first, the default host's before any other: the protocol
    /// carries one reserve, and devices connect to the default certificate.
    private func reserve(_ open: [RolloverRecord]) async throws -> SyncPlanner.ReserveMaterial? {
        let reserves = open.filter { RolloverPreset(rawValue: $0.preset)?.deliversReserve == true && $0.certificateID != nil }
            .sorted { ($0.hostName != nil ? 1 : 0, $0.checkAt) < ($1.hostName != nil ? 1 : 0, $1.checkAt) }
        for rollover in reserves {
            guard let id = rollover.certificateID, let certificate = try await store.certificate(id: id), certificate.state == .reserve else { continue }
            return SyncPlanner.ReserveMaterial(
                certificate: ReserveCertificate(fingerprint: certificate.sha256, pem: Self.pem(certificate.der), activatesAt: rollover.checkAt,
                                                addresses: rollover.addresses),
                rolloverID: rollover.id)
        }
        return nil
    }

    /// The configured addresses, or after an address change its new ones, with the old ones still announced for one
    /// sync period after the switch so a device that has not synced since learns the new ones over the old.
    private func announced(_ rollovers: [RolloverRecord], now: Date, syncPeriod: Int) -> [String] {
        let changes = rollovers.filter { $0.state == .completed && $0.preset == RolloverPreset.addressChange.rawValue && $0.addresses != nil }
        guard let latest = changes.max(by: { ($0.completedAt ?? $0.createdAt) < ($1.completedAt ?? $1.createdAt) }),
            let addresses = latest.addresses
        else { return configuredAddresses }
        let previous = changes.filter { $0.id != latest.id }.max(by: { ($0.completedAt ?? $0.createdAt) < ($1.completedAt ?? $1.createdAt) })?.addresses
            ?? configuredAddresses
        let overlapEnds = (latest.completedAt ?? latest.createdAt).addingTimeInterval(TimeInterval(syncPeriod))
        return now < overlapEnds ? addresses + previous.filter { !addresses.contains($0) } : addresses
    }

    public static func pem(_ der: [UInt8]) -> String {
        PEMDocument(type: "CERTIFICATE", derBytes: der).pemString
    }

    /// Every certificate a device may hold to trust `target`: the leaf itself (a pin), each certificate of its
    /// chain, and for certificates of our own CA, that CA's root.
    public static func fingerprints(trusting target: StoredCertificate, store: any Store) async throws -> [String] {
        var fingerprints = [target.sha256]
        fingerprints += chain(of: target).map { ParsedCertificate.sha256Fingerprint(of: $0) }
        if target.source == .issued {
            fingerprints += try await store.certificates(in: .active).filter { $0.source == .authority }.map(\.sha256)
        }
        return fingerprints
    }

    /// The DER of each certificate in a stored certificate's chain.
    public static func chain(of certificate: StoredCertificate) -> [[UInt8]] {
        ((try? PEMDocument.parseMultiple(pemString: certificate.chainPEM)) ?? []).map(\.derBytes)
    }
}
