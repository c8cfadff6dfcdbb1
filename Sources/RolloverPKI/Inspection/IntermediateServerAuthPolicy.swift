import SwiftASN1
import X509

/// An intermediate CA whose extendedKeyUsage leaves out serverAuth (say, emailProtection only) cannot vouch for
/// a TLS server: Chrome, Firefox, Apple and Windows chain EKUs this way, while RFC 5280 and swift-certificates do
/// not check EKU on CAs at all. An intermediate without the extension, or with anyExtendedKeyUsage, is not
/// restricted. The trust anchor is taken as given, as everywhere in the chain checks.
struct IntermediateServerAuthPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        guard chain.count > 2 else { return .meetsPolicy }
        for intermediate in chain.dropFirst().dropLast() {
            guard let usage = (try? intermediate.extensions.extendedKeyUsage) ?? nil else { continue }
            if !usage.contains(.serverAuth), !usage.contains(.any) {
                return .failsToMeetPolicy(reason: "the intermediate CA \(intermediate.subject) may only issue certificates for \(usage.map { "\($0)" }.joined(separator: ", ")), not for TLS servers (its extendedKeyUsage lacks serverAuth)")
            }
        }
        return .meetsPolicy
    }
}
