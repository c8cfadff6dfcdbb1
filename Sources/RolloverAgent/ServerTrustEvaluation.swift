import Foundation
import RolloverCore
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// Decides whether a served chain is the server this device trusts: the leaf matches a pin (or the reserve
/// certificate once its activation time has come), or the chain validates to one of the anchors with the host
/// name checked. There is no other way in: no system trust store, no "accept anyway".
public enum ServerTrustEvaluation {
    public enum Verdict: Sendable, Hashable {
        /// Trusted through these fingerprints (the anchor, or the pinned leaf).
        case trusted(through: Set<String>)
        case refused(String)
    }

    public static func evaluate(chain: [Certificate], host: String, store: TrustStore, now: Date) async -> Verdict {
        guard let leaf = chain.first else { return .refused("the server presented no certificate") }
        let leafFingerprint = CertificateFingerprint.sha256(leaf)
        // A pin (or the reserve, from its activation time) trusts that exact leaf, but only inside its validity and
        // for the names it was issued for: a leaked key of an expired or foreign certificate opens nothing.
        var pinProblem: String?
        let pinned = store.pins.contains(where: { $0.fingerprint == leafFingerprint })
            || (store.reserve.map { $0.fingerprint == leafFingerprint && now >= $0.activatesAt } ?? false)
        if pinned {
            guard let problem = await pinnedLeafProblem(leaf, host: host, now: now) else { return .trusted(through: [leafFingerprint]) }
            pinProblem = problem
        }
        let anchors = store.anchors.compactMap { try? Certificate(pemEncoded: $0.pem) }
        guard !anchors.isEmpty else {
            let pin = pinProblem.map { "is pinned, but \($0)" } ?? "matches no pin"
            return .refused("the server's certificate (SHA-256 \(leafFingerprint)) \(pin), and the trust store has no anchors")
        }
        let isIP = IPAddressText.isIPAddress(host)
        var verifier = Verifier(rootCertificates: CertificateStore(anchors)) {
            RFC5280Policy(fixedExpiryValidationTime: now)
            ServerIdentityPolicy(serverHostname: isIP ? nil : host, serverIP: isIP ? host : nil)
        }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst())) {
        case .validCertificate(let path):
            return .trusted(through: [CertificateFingerprint.sha256(path.root)])
        case .couldNotValidate(let failures):
            let why = failures.first.map { "\($0.policyFailureReason)" } ?? "it does not lead to any of them"
            return .refused("the server's certificate for \(host) (\(leaf.subject), SHA-256 \(leafFingerprint)) \(pinProblem.map { "is pinned, but \($0)," } ?? "matches no pin") "
                            + "and does not validate to any of the \(anchors.count) trusted anchor(s): \(why)")
        }
    }

    /// Why a pinned leaf cannot be accepted for `host` at `now`, or nil when it can: outside its validity, or not
    /// issued for the host (checked by swift-certificates' `ServerIdentityPolicy` with the leaf as its own root).
    static func pinnedLeafProblem(_ leaf: Certificate, host: String, now: Date) async -> String? {
        if now < leaf.notValidBefore { return "it is not valid before \(leaf.notValidBefore)" }
        if now > leaf.notValidAfter { return "it expired on \(leaf.notValidAfter)" }
        let isIP = IPAddressText.isIPAddress(host)
        var verifier = Verifier(rootCertificates: CertificateStore([leaf])) {
            PinnedLeafExtensions()
            ServerIdentityPolicy(serverHostname: isIP ? nil : host, serverIP: isIP ? host : nil)
        }
        if case .couldNotValidate = await verifier.validate(leaf: leaf, intermediates: CertificateStore()) {
            return "it is not issued for \(host)"
        }
        return nil
    }
}

/// Whether a URL host is an IP address (checked against IP SANs) rather than a name (checked against DNS SANs).
enum IPAddressText {
    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
