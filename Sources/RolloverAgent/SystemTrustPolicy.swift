import Foundation
import RolloverCore
import X509

/// Which anchors may go into the device's system trust store, where every program on the device trusts them for
/// every name: only CA certificates, and of those only ones that are name-constrained (they cannot vouch for
/// names outside their subtrees) or whose fingerprint the device was given as allowed (the enrollment file's
/// anchors, `--system-trust-allow`). Without it, one leaked admin token could have the server hand every device
/// a root that intercepts all its TLS.
public struct SystemTrustPolicy: Sendable, Hashable {
    public var allowed: Set<String>

    public init(allowed: Set<String> = []) {
        self.allowed = allowed
    }

    /// Why `anchor` is kept out of the system store, or nil when it may go in.
    public func refusal(for anchor: TrustItem) -> String? {
        guard let certificate = try? Certificate(pemEncoded: anchor.pem) else { return "it cannot be read" }
        guard case .isCertificateAuthority = (try? certificate.extensions.basicConstraints) ?? .notCertificateAuthority else {
            return "it is not a CA certificate"
        }
        if allowed.contains(anchor.fingerprint) { return nil }
        if (try? certificate.extensions.nameConstraints) != nil { return nil }
        return "it is neither name-constrained nor allowed for the system store (enrollment file anchors, --system-trust-allow)"
    }
}
