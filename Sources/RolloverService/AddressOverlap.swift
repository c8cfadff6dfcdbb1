import Foundation
import RolloverCore
import RolloverPKI
import RolloverStore

/// After an address change, each old name the new certificate does not cover keeps being answered with the
/// certificate that covered it, until one sync period after the switch: a device that has not synced since still
/// reaches the server and learns the new address. The server and the fleet simulator both serve from this list.
public struct AddressOverlap: Sendable {
    /// The old name, lowercased (an SNI host name).
    public var name: String
    /// The certificate served for it: the one the address change retired.
    public var certificate: StoredCertificate
    public var until: Date

    /// Every overlap of a completed address change, over or not (the caller compares `until` with its own now).
    public static func all(in store: any Store, syncPeriod: TimeInterval) async throws -> [AddressOverlap] {
        let changes = try await store.rollovers().filter { $0.preset == RolloverPreset.addressChange.rawValue && $0.state == .completed }
        guard !changes.isEmpty else { return [] }
        let retired = try await store.certificates(in: .retired)
        var overlaps: [AddressOverlap] = []
        for change in changes {
            guard let completed = change.completedAt, let targetID = change.certificateID, let target = try await store.certificate(id: targetID),
                let previous = retired.filter({ $0.hostName == target.hostName && $0.source != .authority && $0.id < target.id }).max(by: { $0.id < $1.id })
            else { continue }
            let covered = Set(names(of: target))
            for name in names(of: previous) where !covered.contains(name) {
                overlaps.append(AddressOverlap(name: name, certificate: previous, until: completed.addingTimeInterval(syncPeriod)))
            }
        }
        return overlaps
    }

    private static func names(of certificate: StoredCertificate) -> [String] {
        (ParsedCertificate.parse(der: certificate.der)?.subjectAlternativeNameTexts ?? []).map { $0.lowercased() }
    }
}
