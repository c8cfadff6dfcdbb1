import Foundation
import X509

/// Turns what the files held into a report: picks the leaf and its key, orders the chain, then runs every
/// check so the administrator sees all problems at once.
public enum Inspector {
    public static func inspect(_ files: [FileContents], options: InspectionOptions) async -> InspectionReport {
        var report = InspectionReport()
        report.files = files
        for problem in files.flatMap(\.problems) { report.error(problem.code, problem.message) }

        let certificates = unique(files.flatMap(\.certificates))
        let keys = files.flatMap(\.privateKeys)
        if !files.flatMap(\.publicKeys).isEmpty {
            report.error(.unsupportedFormat, "a public key alone cannot be imported: Rollover needs the certificate and its private key")
        }
        guard certificates.count <= options.maximumCertificates else {
            report.error(.malformed, "the files hold \(certificates.count) certificates; Rollover inspects at most \(ReadingSession.grouped(options.maximumCertificates)) at once: give the server certificate, its key and its chain")
            return report
        }
        guard !certificates.isEmpty else {
            if !keys.isEmpty || report.errors.isEmpty {
                report.error(.noCertificate, "no certificate was found in the files: give the server certificate (PEM, DER or PKCS#12) with its key")
            }
            return report
        }

        let leaf = chooseLeaf(certificates, keys: keys, report: &report)
        report.leaf = leaf
        report.chain = ChainOrdering.order(from: leaf, among: certificates)
        report.certificatesFromFiles = report.chain.count

        await ChainVerification.check(&report, certificates: certificates, options: options)
        CertificateChecks.run(&report, options: options)
        return report
    }

    /// The leaf is the certificate the private key belongs to; without a matching key, the certificate that no
    /// other one names as its issuer (a server certificate rather than a CA, when there is a choice).
    private static func chooseLeaf(_ certificates: [ParsedCertificate], keys: [PrivateKeyMaterial], report: inout InspectionReport) -> ParsedCertificate {
        for key in keys {
            if let match = certificates.first(where: { (try? $0.publicKey.get()) == key.publicKey }) {
                report.key = key
                return match
            }
        }
        let issuers = Set(certificates.filter { !$0.isSelfIssued }.map(\.issuer))
        let candidates = certificates.filter { !issuers.contains($0.subject) || $0.isSelfIssued && certificates.count == 1 }
        let leaf = candidates.first(where: { !$0.isCA }) ?? candidates.first ?? certificates[0]
        if keys.isEmpty {
            report.error(.noPrivateKey, "no private key was given: add the key file, or export the certificate as PKCS#12 (.pfx) with its key")
        } else {
            report.error(.keyMismatch, "the private key does not belong to the certificate \(leaf.subject): find the key that was generated with its request")
        }
        return leaf
    }

    private static func unique(_ certificates: [ParsedCertificate]) -> [ParsedCertificate] {
        var seen = Set<[UInt8]>()
        return certificates.filter { seen.insert($0.der).inserted }
    }
}
