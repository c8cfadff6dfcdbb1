import Foundation
import SwiftASN1
import X509

/// The checks on the chosen leaf and its chain, each with its code; all run, none stops the others.
enum CertificateChecks {
    static func run(_ report: inout InspectionReport, options: InspectionOptions) {
        guard let leaf = report.leaf else { return }
        checkKeys(&report)
        checkValidity(&report, options: options)
        checkSignatures(&report)
        for address in options.addresses where !HostnameMatching.matches(address, leaf) {
            let names = SubjectAlternativeNameText.names(of: leaf)
            report.error(.hostnameMismatch, "the connection address \(address) is not among the certificate's subjectAltNames (\(names.isEmpty ? "none" : names.joined(separator: ", "))); the Common Name does not count. Request a certificate that lists it")
        }
        if let usage = try? leaf.extensions.extendedKeyUsage,
            !usage.contains(.serverAuth), !usage.contains(.any)
        {
            report.error(.missingServerAuth, "the certificate's extended key usage does not allow TLS server authentication (serverAuth): request a server certificate")
        }
        checkServerCertificateShape(&report, leaf: leaf)
        if leaf.isSelfSigned, report.chain.count == 1 {
            report.warning(.selfSigned, "the certificate is self-signed: devices will have to pin it, since no CA vouches for it")
        }
    }

    /// What makes a certificate unfit to be a server's, whatever its chain: a CA certificate issued by another CA
    /// (the CA/Browser Forum forbids cA=TRUE in server certificates and webpki refuses it; a self-signed one alone
    /// is what `openssl req -x509` writes and is pinned like any self-signed certificate), and a DNS name with an
    /// underscore, which is not a host name (RFC 5280 §4.2.1.6 requires the preferred name syntax, the CA/Browser
    /// Forum has forbidden it since 2019, and clients may refuse it).
    private static func checkServerCertificateShape(_ report: inout InspectionReport, leaf: ParsedCertificate) {
        if leaf.isCA, !(leaf.isSelfSigned && report.chain.count == 1) {
            report.error(.invalidChain, "the certificate \(leaf.subject) is a CA certificate (basicConstraints cA=TRUE), not a server certificate; clients refuse a CA as a server. Give the server certificate it issued, or request one")
        }
        let names = (try? leaf.extensions.subjectAlternativeNames) ?? nil
        for case .dnsName(let name) in names ?? SubjectAlternativeNames() where name.contains("_") {
            report.error(.invalidChain, "the subjectAltName \"\(name)\" has an underscore, which a host name cannot have (RFC 5280 §4.2.1.6; CA/Browser Forum since 2019); clients may refuse the certificate. Request one without it")
        }
    }

    /// Weak or unusable keys in the leaf and in every issuing CA.
    private static func checkKeys(_ report: inout InspectionReport) {
        for (index, certificate) in report.chain.enumerated() {
            let role = index == 0 ? "the certificate" : "the issuing CA \(certificate.subject)"
            switch certificate.publicKey {
            case .success(let key):
                if case .rsa(let bits) = key.algorithm, bits < 2048 {
                    report.error(.weakKey, "\(role) has an RSA key of \(bits) bits; at least 2048 are required. Issue a new key")
                }
            case .failure(let failure):
                report.error(failure.code, "\(role): \(failure.message)")
            }
        }
    }

    private static func checkValidity(_ report: inout InspectionReport, options: InspectionOptions) {
        for (index, certificate) in report.chain.enumerated() {
            let role = index == 0 ? "the certificate" : "the CA certificate \(certificate.subject)"
            if certificate.notAfter < options.at {
                report.error(.expired, "\(role) expired on \(ISO8601.string(certificate.notAfter))")
            } else if certificate.notBefore > options.at {
                report.error(.notYetValid, "\(role) is not valid until \(ISO8601.string(certificate.notBefore)); check the clock or wait")
            }
        }
        guard let leaf = report.leaf else { return }
        let days = leaf.notAfter.timeIntervalSince(leaf.notBefore) / 86_400
        if days > Double(options.maxValidityDays) {
            report.error(.validityTooLong, "the certificate is valid for \(Int(days.rounded(.up))) days; the limit is \(options.maxValidityDays). Request a shorter one")
        }
        let left = leaf.notAfter.timeIntervalSince(options.at) / 86_400
        if left >= 0, left < Double(options.expiresSoonDays), leaf.notBefore <= options.at {
            report.warning(.expiresSoon, "the certificate expires in \(Int(left)) days, on \(ISO8601.string(leaf.notAfter))")
        }
    }

    /// SHA-1 and MD5 signatures anywhere below the root (a root's own signature is never checked by clients).
    private static func checkSignatures(_ report: inout InspectionReport) {
        for (index, certificate) in report.chain.enumerated() {
            let isRoot = certificate.isSelfSigned && index == report.chain.count - 1 && index > 0
            guard !isRoot, SignatureAlgorithmNames.isWeak(certificate.signatureAlgorithm) else { continue }
            let role = index == 0 ? "the certificate" : "the CA certificate \(certificate.subject)"
            report.error(.weakSignature, "\(role) is signed with \(SignatureAlgorithmNames.name(certificate.signatureAlgorithm)), which clients reject; have it reissued with SHA-256")
        }
    }
}
