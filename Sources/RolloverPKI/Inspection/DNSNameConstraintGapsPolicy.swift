import SwiftASN1
import X509

/// Closes two ways past an excluded DNS subtree that RFC5280Policy leaves open, because it compares a name to a
/// constraint label by label and calls a name it cannot parse "no match":
/// - a wildcard subjectAltName (`*.example.com`) is compared as the literal label `*`, so it passes an excluded
///   `bad.example.com` that it covers (the class of CVE-2025-61727 in Go);
/// - a name that is not a valid DNS name (`mdm.bad.example.com.` with a final dot, an empty label) passes every
///   excluded subtree, while clients that normalise it still connect to it.
/// Permitted subtrees need nothing more: there an unparseable or wildcard name fails to match and is refused.
struct DNSNameConstraintGapsPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        let certificates = Array(chain)
        for (index, issuer) in certificates.enumerated() {
            guard let constraints = try? issuer.extensions.nameConstraints else { continue }
            let excluded = constraints.excludedSubtrees.compactMap { name -> String? in
                if case .dnsName(let domain) = name { return domain }
                return nil
            }
            guard !excluded.isEmpty else { continue }
            // As RFC5280Policy: a CA constrains every certificate below it; a lone self-signed certificate itself.
            let below = certificates.count == 1 ? certificates[...] : certificates[..<index]
            for certificate in below {
                for name in Self.dnsNames(certificate) {
                    guard let labels = DNSLabels(name) else {
                        return .failsToMeetPolicy(reason: "the subjectAltName \"\(name)\" of \(certificate.subject) is not a valid DNS name, so it cannot be held to the names \(issuer.subject) excludes")
                    }
                    guard labels.isWildcard else { continue }
                    if let domain = excluded.first(where: { labels.wildcardMayMatch(excluded: $0) }) {
                        return .failsToMeetPolicy(reason: "the wildcard subjectAltName \"\(name)\" of \(certificate.subject) covers names under \"\(domain)\", which \(issuer.subject) excludes")
                    }
                }
            }
        }
        return .meetsPolicy
    }

    private static func dnsNames(_ certificate: Certificate) -> [String] {
        (((try? certificate.extensions.subjectAlternativeNames) ?? nil) ?? SubjectAlternativeNames()).compactMap { name in
            if case .dnsName(let dns) = name { return dns }
            return nil
        }
    }
}

/// A DNS name as labels, lowercased: ASCII letters, digits, hyphens and underscores (RFC5280Policy's alphabet),
/// no empty label, no final dot, at most 253 bytes, a wildcard only as the whole first label.
struct DNSLabels {
    let labels: [Substring]
    let isWildcard: Bool

    init?(_ name: String) {
        guard !name.isEmpty, name.utf8.count <= 253 else { return nil }
        let all = name.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        let wildcard = all.first == "*"
        let rest = wildcard ? Array(all.dropFirst()) : all
        guard !rest.isEmpty, rest.allSatisfy(Self.isValidLabel) else { return nil }
        labels = rest
        isWildcard = wildcard
    }

    static func isValidLabel(_ label: Substring) -> Bool {
        !label.isEmpty && label.utf8.count <= 63
            && label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
    }

    /// Whether some name `x.<labels>` the wildcard stands for lies in the excluded subtree `constraint`
    /// (`example.com`: the domain and every name below it; `.example.com`: only the names below it).
    func wildcardMayMatch(excluded constraint: String) -> Bool {
        var text = constraint.lowercased()
        if text.hasSuffix(".") { text.removeLast() }  // as RFC5280Policy reads a constraint
        guard !text.isEmpty else { return true }  // the empty constraint excludes every name
        let leadingPeriod = text.hasPrefix(".")
        let domain = text.split(separator: ".", omittingEmptySubsequences: true)
        // The wildcard's base lies in the subtree: every name it stands for lies below the domain.
        if labels.count >= domain.count, Array(labels.suffix(domain.count)) == domain { return true }
        // The wildcard stands for the domain itself (`*.example.com` covers `bad.example.com`).
        return !leadingPeriod && domain.count == labels.count + 1 && Array(domain.dropFirst()) == labels
    }
}
