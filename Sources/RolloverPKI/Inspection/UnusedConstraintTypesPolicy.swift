import Crypto
import Foundation
import SwiftASN1
@_spi(DisableValidityCheck) import X509

/// swift-certificates' RFC5280Policy, except that a name constraint of a type it cannot match (otherName,
/// rfc822Name, x400Address, ediPartyName, registeredID) no longer refuses every chain below it. RFC 5280
/// §4.2.1.10 constrains only names of the constraint's own type, so such a constraint matters only when a
/// certificate below carries a name of that type; then the chain is refused, since Rollover cannot check it.
///
/// When RFC5280Policy refuses for such a constraint alone, the path is evaluated again with those subtrees
/// removed. The policy API only takes chains the `Verifier` built, so the path is rebuilt from stand-ins:
/// copies of its certificates with the same names and extensions, signed with throwaway keys so the stand-in
/// path holds together; signatures were checked on the real certificates before any policy ran, and
/// RFC5280Policy never looks at keys. At most `maximumRebuilds` paths are rebuilt per inspection.
struct UnusedConstraintTypesPolicy: VerifierPolicy {
    static let maximumRebuilds = 8
    private var rebuilds = 0
    private let rfc5280 = RFC5280Policy.withValidityCheckDisabled()

    var verifyingCriticalExtensions: [ASN1ObjectIdentifier] { rfc5280.verifyingCriticalExtensions }

    init() {}

    mutating func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        let result = rfc5280.chainMeetsPolicyRequirements(chain: chain)
        // RFC5280Policy checks the version and basic constraints before names, so this failure means both passed.
        guard case .failsToMeetPolicy(let reason) = result, reason.description.contains("unsupported constraint") else { return result }
        let certificates = Array(chain)
        for (index, issuer) in certificates.enumerated() {
            guard let constraints = try? issuer.extensions.nameConstraints else { continue }
            let unsupported = (constraints.permittedSubtrees + constraints.excludedSubtrees).compactMap(Self.unsupportedKind)
            guard !unsupported.isEmpty else { continue }
            // As RFC5280Policy: a CA constrains every certificate below it; a lone self-signed certificate itself.
            let below = certificates.count == 1 ? certificates[...] : certificates[..<index]
            for certificate in below {
                if let kind = Self.carriedKinds(certificate).first(where: unsupported.contains) {
                    return .failsToMeetPolicy(reason: "\(issuer.subject) constrains \(kind) names, which Rollover cannot check, and \(certificate.subject) carries one")
                }
            }
        }
        guard rebuilds < Self.maximumRebuilds else {
            return .failsToMeetPolicy(reason: "more than \(Self.maximumRebuilds) candidate paths carry name constraints of types Rollover cannot check; path building stops there")
        }
        rebuilds += 1
        return await Self.evaluateWithoutUnsupportedSubtrees(certificates)
    }

    /// The GeneralName kinds RFC5280Policy cannot match, by name; nil for the kinds it can.
    private static func unsupportedKind(_ name: GeneralName) -> String? {
        switch name {
        case .otherName: "otherName"
        case .rfc822Name: "rfc822Name"
        case .x400Address: "x400Address"
        case .ediPartyName: "ediPartyName"
        case .registeredID: "registeredID"
        case .dnsName, .ipAddress, .uniformResourceIdentifier, .directoryName: nil
        }
    }

    /// The unsupported kinds of name a certificate carries: its subjectAltName entries, and an e-mail address in
    /// its subject, which RFC 5280 also holds to rfc822Name constraints.
    private static func carriedKinds(_ certificate: Certificate) -> [String] {
        var kinds = ((try? certificate.extensions.subjectAlternativeNames) ?? nil)?.compactMap(unsupportedKind) ?? []
        let emailAddress: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 1]
        if certificate.subject.contains(where: { $0.contains { $0.type == emailAddress } }) { kinds.append("rfc822Name") }
        return kinds
    }

    private static func evaluateWithoutUnsupportedSubtrees(_ certificates: [Certificate]) async -> PolicyEvaluationResult {
        let standIns: [Certificate]
        do { standIns = try makeStandIns(certificates) } catch {
            return .failsToMeetPolicy(reason: "the name constraints could not be evaluated (\(error))")
        }
        let critical = Array(Set(standIns.flatMap { $0.extensions.filter(\.critical).map(\.oid) }))
        var verifier = Verifier(rootCertificates: CertificateStore([standIns[standIns.count - 1]])) {
            RFC5280Policy.withValidityCheckDisabled()
            HandledExtensionsPolicy(verifyingCriticalExtensions: critical)
        }
        let intermediates = CertificateStore(standIns.count > 2 ? Array(standIns[1..<(standIns.count - 1)]) : [])
        switch await verifier.validate(leaf: standIns[0], intermediates: intermediates) {
        case .validCertificate: return .meetsPolicy
        case .couldNotValidate(let failures):
            return .failsToMeetPolicy(reason: failures.first?.policyFailureReason.description ?? "the name constraints refuse the path")
        }
    }

    /// Copies of the path, root first, each signed by its issuer's throwaway key, without the unsupported subtrees.
    private static func makeStandIns(_ certificates: [Certificate]) throws -> [Certificate] {
        let keys = certificates.map { _ in Certificate.PrivateKey(P256.Signing.PrivateKey()) }
        var standIns: [Certificate] = []
        for index in certificates.indices {
            let original = certificates[index]
            var extensions = original.extensions
            if let constraints = try original.extensions.nameConstraints,
                let critical = original.extensions[oid: .X509ExtensionID.nameConstraints]?.critical
            {
                let kept = NameConstraints(
                    permittedSubtrees: constraints.permittedSubtrees.filter { unsupportedKind($0) == nil },
                    excludedSubtrees: constraints.excludedSubtrees.filter { unsupportedKind($0) == nil })
                if kept.permittedSubtrees.isEmpty, kept.excludedSubtrees.isEmpty {
                    _ = extensions.remove(.X509ExtensionID.nameConstraints)
                } else {
                    _ = extensions.update(try Certificate.Extension(kept, critical: critical))
                }
            }
            let signer = index == certificates.count - 1 ? index : index + 1
            standIns.append(try Certificate(
                version: original.version, serialNumber: original.serialNumber, publicKey: keys[index].publicKey,
                notValidBefore: original.notValidBefore, notValidAfter: original.notValidAfter,
                issuer: original.issuer, subject: original.subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: extensions, issuerPrivateKey: keys[signer]))
        }
        return standIns
    }
}

/// Declares critical extensions handled, for the stand-in path: the real path's were already judged.
private struct HandledExtensionsPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult { .meetsPolicy }
}
