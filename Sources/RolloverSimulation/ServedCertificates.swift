import Foundation
import RolloverCore
import RolloverService
import RolloverStore
import SwiftASN1
import X509

/// What the simulated server presents in a TLS handshake for a host name, read from the store as the server
/// reads it: the active certificate for that SNI host name, else — for one sync period after an address change —
/// the retired certificate that covered an old name, else the default active certificate.
///
/// This mirrors `LiveCertificates.identity(for:)` in RolloverServer, which the simulator cannot import; the old
/// names come from the same `AddressOverlap` the server serves, compared with the virtual time given.
struct ServedCertificates {
    struct Served {
        var id: Int64
        var sha256: String
        var chain: [Certificate]
    }

    private var own: [String: Int64] = [:]
    private var defaultID: Int64?
    /// Old names still answered with the certificate that covered them, until (simulation seconds).
    private var overlaps: [(name: String, id: Int64, until: Int64)] = []
    private(set) var certificates: [Int64: Served] = [:]
    /// Ends of address-change overlaps, for the lifecycle's schedule.
    var overlapEnds: [Int64] { overlaps.map(\.until) }

    /// What is served for `host`, precomputed: a sync asks by host number, not by name.
    struct Route {
        var own: Int64?
        var overlap: Int64?
        var overlapUntil: Int64 = .min
        var fallback: Int64?

        /// The certificate id served at `time` (0: none).
        func certificate(at time: Int64) -> Int64 { own ?? (time < overlapUntil ? overlap : nil) ?? fallback ?? 0 }
    }

    func route(for host: String) -> Route {
        var route = Route(own: own[host], fallback: defaultID)
        if let overlap = overlaps.first(where: { $0.name == host }) {
            route.overlap = overlap.id
            route.overlapUntil = overlap.until
        }
        return route
    }

    mutating func reload(_ store: any Store, start: Date, syncPeriod: TimeInterval) async throws {
        let active = try await store.certificates(in: .active).filter { $0.source != .authority }
        own = [:]
        defaultID = nil
        for certificate in active {
            try remember(certificate)
            if let host = certificate.hostName?.lowercased() { own[host] = certificate.id } else { defaultID = certificate.id }
        }
        overlaps = []
        for overlap in try await AddressOverlap.all(in: store, syncPeriod: syncPeriod) {
            try remember(overlap.certificate)
            overlaps.append((overlap.name, overlap.certificate.id, Int64(overlap.until.timeIntervalSince(start).rounded(.up))))
        }
    }

    /// The chain as the server sends it: the leaf, then its stored chain.
    private mutating func remember(_ certificate: StoredCertificate) throws {
        guard certificates[certificate.id] == nil else { return }
        let chain = try [Certificate(derEncoded: certificate.der)]
            + TrustMaterial.chain(of: certificate).map { try Certificate(derEncoded: $0) }
        certificates[certificate.id] = Served(id: certificate.id, sha256: certificate.sha256, chain: chain)
    }
}
