import SwiftASN1
import X509

/// Bounds the name-constraint comparisons of one inspection: every candidate path costs, for each CA with name
/// constraints, its subtrees times the names of the certificates below it, and the `Verifier` may evaluate many
/// paths. A leaf with thousands of names under a CA with thousands of constraints (a "name-constraint
/// explosion") is refused as `invalid-chain` at once instead of being compared for tens of seconds. 262,144
/// (2^18) comparisons in all; a leaf with 100 names under a CA with 100 constraints takes 10,100. Placed before
/// RFC5280Policy, which makes the comparisons, and stateful: the count carries over from path to path.
struct NameConstraintWorkPolicy: VerifierPolicy {
    static let maximumComparisons = 1 << 18
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []
    private var comparisons = 0

    init() {}

    mutating func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        let certificates = Array(chain)
        for (index, issuer) in certificates.enumerated() {
            guard let constraints = (try? issuer.extensions.nameConstraints) ?? nil else { continue }
            let subtrees = constraints.permittedSubtrees.count + constraints.excludedSubtrees.count
            guard subtrees > 0 else { continue }
            let below = certificates.count == 1 ? certificates[...] : certificates[..<index]
            // Each certificate's subject counts as one name besides its subjectAltNames, as RFC5280Policy reads them.
            let names = below.reduce(0) { $0 + 1 + ((((try? $1.extensions.subjectAlternativeNames) ?? nil)?.count) ?? 0) }
            comparisons += subtrees * names
            if comparisons > Self.maximumComparisons {
                return .failsToMeetPolicy(reason: "checking the name constraints would take more than \(Self.maximumComparisons) comparisons of names with constraints (\(issuer.subject) has \(subtrees) constraints); Rollover stops there")
            }
        }
        return .meetsPolicy
    }
}
