import SwiftASN1
import X509

/// The critical extensions a pinned leaf may carry, as nearly every real one does (basic constraints, key usage,
/// extended key usage). A pin trusts one exact certificate, so there is no path to check them against; without a
/// policy naming them, swift-certificates' verifier refuses such a leaf outright as having unhandled critical
/// extensions. The host name is checked by `ServerIdentityPolicy` beside it, the validity by the caller.
struct PinnedLeafExtensions: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage, .X509ExtensionID.extendedKeyUsage,
    ]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult { .meetsPolicy }
}
