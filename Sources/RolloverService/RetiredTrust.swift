import Foundation
import RolloverCore
import RolloverStore

/// Trust that outlives its reason: once a rollover has retired a certificate, the pins and roots that only the
/// retired certificates needed are withdrawn from every device, one sync period after the last activation (so
/// a device that syncs on the period has seen the new certificate first). Otherwise a leaked key of an old
/// certificate, or of an enterprise CA no longer used, would stay trusted by the whole fleet.
///
/// Never withdrawn: our own CA's certificates (standing material), and anything an active, staged or reserve
/// certificate is trusted through.
public enum RetiredTrust {
    /// Withdraws what only retired certificates needed and returns the fingerprints withdrawn (usually none).
    public static func withdraw(in context: ServiceContext, now: Date, syncPeriod: TimeInterval) async throws -> [String] {
        let store = context.store
        let activations = try await store.rollovers().filter {
            $0.state == .completed && $0.certificateID != nil && $0.preset != RolloverPreset.trust.rawValue
        }
        guard let last = activations.compactMap(\.completedAt).max(), now >= last.addingTimeInterval(syncPeriod) else { return [] }
        let certificates = try await store.certificates(in: nil)
        var needed = Set(certificates.filter { $0.source == .authority }.map(\.sha256))
        var onlyRetired = Set<String>()
        for certificate in certificates where certificate.source != .authority {
            let through = try await TrustMaterial.fingerprints(trusting: certificate, store: store)
            switch certificate.state {
            case .active, .staged, .reserve: needed.formUnion(through)
            case .retired: onlyRetired.formUnion(through)
            default: break
            }
        }
        onlyRetired.subtract(needed)
        let withdrawn = try await store.trustArtifacts(includeWithdrawn: false).map(\.sha256).filter(onlyRetired.contains)
        for sha256 in withdrawn {
            try await store.withdrawTrustArtifact(sha256: sha256, at: now, actor: context.actor)
        }
        return withdrawn
    }
}
