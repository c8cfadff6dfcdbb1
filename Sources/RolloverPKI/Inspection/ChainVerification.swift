@_spi(DisableValidityCheck) import X509
import Foundation
import SwiftASN1
import Synchronization

/// Finds a path from the leaf to a trusted root with swift-certificates' verifier (signatures, basic
/// constraints, name constraints, critical extensions) and Rollover's own policies where swift-certificates
/// lacks them: path building is bounded (`PathBuildingBound`, `NameConstraintWorkPolicy`), a name constraint of
/// a type no certificate on the path carries constrains nothing (`UnusedConstraintTypesPolicy`), wildcards and
/// unparseable names cannot slip past an excluded DNS subtree (`DNSNameConstraintGapsPolicy`), and an
/// intermediate must allow serverAuth (`IntermediateServerAuthPolicy`). Validity dates are checked separately so
/// that an expired certificate is reported as `expired`, not as a broken chain.
enum ChainVerification {
    static func check(_ report: inout InspectionReport, certificates: [ParsedCertificate], options: InspectionOptions) async {
        guard let leaf = report.leaf else { return }
        guard let leafX509 = leaf.x509 else {
            // The key or signature type is one swift-certificates cannot verify; CertificateChecks names why.
            if case .success(let key) = leaf.publicKey, case .rsa(let bits) = key.algorithm, bits < 2048 { return }
            if case .failure = leaf.publicKey { return }
            report.error(.invalidChain, "the certificate \(leaf.subject) uses a structure or signature the verifier cannot check, so its chain cannot be proven")
            return
        }
        if isSelfSignedServerCertificate(leaf, leafX509) {
            checkSelfSignedServerCertificate(&report, leaf: leaf)
            return
        }
        let roots = (certificates.filter(\.isSelfSigned) + options.trustedRoots).compactMap(\.x509)
        let intermediates = certificates.filter { !$0.isSelfSigned && $0 != leaf }.compactMap(\.x509)
        if let refusal = PathBuildingBound.refusal(leaf: leafX509, intermediates: intermediates, roots: roots) {
            report.error(.invalidChain, "path building was refused: \(refusal)")
            return
        }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            PathLengthPolicy()
            NameConstraintWorkPolicy()
            UnusedConstraintTypesPolicy()
            DNSNameConstraintGapsPolicy()
            IntermediateServerAuthPolicy()
            CheckedByInspectionPolicy()
        }
        let diagnostics = Mutex<[String]>([])
        let result = await verifier.validate(leaf: leafX509, intermediates: CertificateStore(intermediates)) { diagnostic in
            diagnostics.withLock { $0.append(String(describing: diagnostic)) }
        }
        switch result {
        case .validCertificate(let path):
            let fromFiles = report.chain.count
            report.chain = path.map { certificate in
                certificates.first(where: { $0.x509 == certificate }) ?? options.trustedRoots.first(where: { $0.x509 == certificate })
            }.compactMap { $0 }
            report.certificatesFromFiles = min(fromFiles, report.chain.filter { certificates.contains($0) }.count)
            if let root = report.chain.last, !certificates.contains(root) {
                report.warning(.rootNotIncluded, "the root \(root.subject) is not in the files; it was found in the trust store. Devices must already trust it, or give its file so Rollover can distribute it")
            }
        case .couldNotValidate(let failures):
            let seen = diagnostics.withLock { $0 }
            if let failure = failures.first {
                report.error(.invalidChain, "the chain to \(failure.chain.last?.subject.description ?? "the root") breaks the X.509 rules: \(readable(failure))")
            } else if let (certificate, unhandled) = unhandledCriticalExtensions(in: report.chain) {
                report.error(.invalidChain, "\(certificate.subject) marks extensions critical that Rollover cannot enforce (\(unhandled.joined(separator: ", "))); clients that do not know them must refuse the certificate")
            } else if seen.contains(where: { $0.contains("has not signed the previous certificate") }) {
                report.error(.invalidChain, "an issuer's signature on the certificate chain does not verify: a certificate in the chain is damaged or was replaced")
            } else {
                let top = report.chain.last.map { "\($0.issuer)" } ?? "its issuer"
                report.error(.incompleteChain, "no path from the certificate to a trusted root: the issuer \(top) is missing. Add the intermediate and root certificates (a bundle from the CA), or --trust the root")
            }
        }
    }

    /// A self-signed certificate that is not a CA (basicConstraints cA=FALSE or absent, as Windows'
    /// New-SelfSignedCertificate writes it) is a server certificate devices pin, not a trust anchor: RFC5280Policy
    /// would refuse it as "not marked as a CA", but the documented rule is to allow it with the `self-signed`
    /// warning (CertificateChecks). Its own signature was verified (`isSelfSigned`); only critical extensions
    /// nobody enforces still refuse it.
    private static func isSelfSignedServerCertificate(_ leaf: ParsedCertificate, _ x509: Certificate) -> Bool {
        guard leaf.isSelfSigned, x509.version != .v1 else { return false }
        do {
            switch try x509.extensions.basicConstraints {
            case .isCertificateAuthority: return false
            case .notCertificateAuthority, nil: return true
            }
        } catch {
            return false  // an unreadable basicConstraints goes to the verifier, which refuses it by name
        }
    }

    private static func checkSelfSignedServerCertificate(_ report: inout InspectionReport, leaf: ParsedCertificate) {
        report.chain = [leaf]
        report.certificatesFromFiles = 1
        if let (certificate, unhandled) = unhandledCriticalExtensions(in: [leaf]) {
            report.error(.invalidChain, "\(certificate.subject) marks extensions critical that Rollover cannot enforce (\(unhandled.joined(separator: ", "))); clients that do not know them must refuse the certificate")
        }
    }

    /// swift-certificates' reasons print whole certificates (`Certificate(version: …, extensions: …)`); an
    /// administrator needs the subject. The policy's prefix is noise as well.
    static func readable(_ failure: CertificateValidationResult.PolicyFailure) -> String {
        var reason = failure.policyFailureReason.description
        for certificate in failure.chain {
            reason = reason.replacingOccurrences(of: String(describing: certificate), with: "\"\(certificate.subject)\"")
        }
        if reason.hasPrefix("RFC5280Policy: ") { reason.removeFirst("RFC5280Policy: ".count) }
        return withoutCertificateDescriptions(reason)
    }

    /// Any certificate description left (one not on the path, such as a stand-in's) becomes "a certificate":
    /// the text from `Certificate(` to its balancing parenthesis.
    static func withoutCertificateDescriptions(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "Certificate(version:") {
            result += rest[..<start.lowerBound]
            var depth = 0
            var end = rest.endIndex
            for index in rest[start.lowerBound...].indices {
                if rest[index] == "(" { depth += 1 }
                if rest[index] == ")" {
                    depth -= 1
                    if depth == 0 {
                        end = rest.index(after: index)
                        break
                    }
                }
            }
            result += "a certificate"
            rest = rest[end...]
        }
        return result + rest
    }

    /// The first certificate with critical extensions neither swift-certificates' policies nor our checks handle.
    private static func unhandledCriticalExtensions(in chain: [ParsedCertificate]) -> (ParsedCertificate, [String])? {
        let handled = RFC5280Policy.withValidityCheckDisabled().verifyingCriticalExtensions + CheckedByInspectionPolicy().verifyingCriticalExtensions
        for certificate in chain {
            let unhandled = certificate.extensions.filter { $0.critical && !handled.contains($0.oid) }.map { $0.oid.description }
            if !unhandled.isEmpty { return (certificate, unhandled) }
        }
        return nil
    }
}

/// Tells the verifier that a critical subjectAltName or extendedKeyUsage is understood: `CertificateChecks`
/// enforces both on the leaf (hostname-mismatch, missing-server-auth), so they must not break path building.
struct CheckedByInspectionPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.subjectAlternativeName, .X509ExtensionID.extendedKeyUsage,
    ]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult { .meetsPolicy }
}
