import Foundation
import RolloverCore
import X509

/// The pure core of the agent: a sync answer applied to a trust store at `now` gives the new trust store and a
/// report of what was installed, removed or refused and why. No disk, no network, no clock: the fleet
/// simulator runs this same function for every virtual device.
public enum TrustUpdate {
    public struct Outcome: Sendable, Hashable {
        public var store: TrustStore
        public var results: [InstallResult]
        /// Whether the store differs from the one given (the agent writes it to disk only then).
        public var changed: Bool
    }

    /// - Parameter protected: fingerprints that verified the connection this answer came over; removing one
    ///   could cut the device off from the server, so such a removal is refused and reported instead.
    public static func apply(_ response: SyncResponse, to store: TrustStore, now: Date, protected: Set<String> = []) -> Outcome {
        var next = store
        var results: [InstallResult] = []
        for item in response.add where !next.contains(item.fingerprint) {
            if let problem = problem(pem: item.pem, fingerprint: item.fingerprint, now: now) {
                results.append(InstallResult(fingerprint: item.fingerprint, status: .failed, reason: problem))
                continue
            }
            switch item.role {
            case .anchor: next.anchors.append(item)
            case .pin: next.pins.append(item)
            }
            results.append(InstallResult(fingerprint: item.fingerprint, status: .installed))
        }
        for fingerprint in response.remove where next.contains(fingerprint) {
            if protected.contains(fingerprint) {
                results.append(InstallResult(fingerprint: fingerprint, status: .failed,
                                             reason: "kept: this server was verified with it on the connection that asked for its removal"))
                continue
            }
            next.anchors.removeAll { $0.fingerprint == fingerprint }
            next.pins.removeAll { $0.fingerprint == fingerprint }
            results.append(InstallResult(fingerprint: fingerprint, status: .removed))
        }
        if let reserve = response.reserve, reserve != next.reserve {
            if let problem = problem(pem: reserve.pem, fingerprint: reserve.fingerprint, now: now) {
                results.append(InstallResult(fingerprint: reserve.fingerprint, status: .failed, reason: problem))
            } else {
                next.reserve = reserve
                results.append(InstallResult(fingerprint: reserve.fingerprint, status: .installed))
            }
        } else if response.reserve == nil, let old = next.reserve, !protected.contains(old.fingerprint) {
            next.reserve = nil
            results.append(InstallResult(fingerprint: old.fingerprint, status: .removed))
        }
        if !response.addresses.isEmpty { next.addresses = response.addresses }
        if let handover = response.handover {
            next.handoverSequence = handover.sequence
            next.handoverMaximumAgeSeconds = handover.maximumAgeSeconds
        }
        return Outcome(store: next, results: results, changed: next != store)
    }

    /// Why a certificate sent for installation cannot be trusted as sent, or nil when it can.
    static func problem(pem: String, fingerprint: String, now: Date) -> String? {
        guard let certificate = try? Certificate(pemEncoded: pem) else { return "the certificate sent is not a readable PEM certificate" }
        let actual = CertificateFingerprint.sha256(certificate)
        guard actual == fingerprint.lowercased() else {
            return "the certificate sent has SHA-256 \(actual), not the announced \(fingerprint)"
        }
        guard certificate.notValidAfter > now else { return "the certificate sent expired on \(certificate.notValidAfter)" }
        return nil
    }
}
