import SwiftASN1
import X509

/// Bounds path building before swift-certificates' `Verifier` runs. Its depth-first search tries every simple
/// path and checks a signature per edge without a bound, so a bundle of certificates that share names and sign
/// one another (80 of them in 51 KB cost 108 CPU-seconds) or many certificates with one subject and distinct
/// keys hold the server for minutes. This walk makes the same search, counts it, caches each signature check,
/// and refuses the input as `invalid-chain` when it would go past a bound; within the bounds the `Verifier`'s
/// own search is just as small. Go's verifier stops after 100 signature checks; these bounds are ten times
/// more generous, since a private PKI may cross-sign more than the Web PKI does.
enum PathBuildingBound {
    /// Certificates that may share one issuer name (a re-keyed or cross-signed CA has two or three). 16.
    static let maximumIssuerCandidates = 16
    /// Candidate issuers examined in the whole search, each one a signature check. 1,024.
    static let maximumSignatureChecks = 1_024
    /// Certificates in one path, leaf and root included (real chains have 2 to 5). 10.
    static let maximumPathLength = 10

    /// Nil when the `Verifier` may run on these certificates, or why not.
    static func refusal(leaf: Certificate, intermediates: [Certificate], roots: [Certificate]) -> String? {
        let rootsByName = Dictionary(grouping: roots, by: \.subject)
        let intermediatesByName = Dictionary(grouping: intermediates, by: \.subject)
        var verified: [Pair: Bool] = [:]
        var examined = 0
        var partialChains: [[Certificate]] = [[leaf]]
        while let chain = partialChains.popLast() {
            if Task.isCancelled { return "path building was stopped (the request was cancelled)" }
            let tip = chain[chain.count - 1]
            let fromRoots = rootsByName[tip.issuer] ?? []
            let fromIntermediates = intermediatesByName[tip.issuer] ?? []
            let candidates = fromRoots.count + fromIntermediates.count
            if candidates > maximumIssuerCandidates {
                return "\(candidates) certificates are named \(tip.issuer), more than the \(maximumIssuerCandidates) Rollover tries as the issuer of one certificate; a bundle like this comes only from a broken or hostile file"
            }
            for (index, candidate) in (fromRoots + fromIntermediates).enumerated() {
                // The Verifier's loop rule (RFC 4158 §5.2): the same subject, key and SAN never appear twice in a path.
                if chain.contains(where: { Self.sameEntity($0, candidate) }) { continue }
                examined += 1
                if examined > maximumSignatureChecks {
                    return "the certificates offer more than \(maximumSignatureChecks) candidate issuers to try (certificates that share names and sign one another); Rollover stops path building there"
                }
                let pair = Pair(child: tip, issuer: candidate)
                let signed = verified[pair] ?? candidate.publicKey.isValidSignature(tip.signature, for: tip)
                verified[pair] = signed
                if signed, index >= fromRoots.count { partialChains.append(chain + [candidate]) }
            }
        }
        return nil
    }

    private struct Pair: Hashable {
        var child: Certificate
        var issuer: Certificate
    }

    private static func sameEntity(_ left: Certificate, _ right: Certificate) -> Bool {
        left.subject == right.subject && left.publicKey == right.publicKey
            && left.extensions[oid: .X509ExtensionID.subjectAlternativeName]?.value == right.extensions[oid: .X509ExtensionID.subjectAlternativeName]?.value
    }
}

/// Holds every candidate path the `Verifier` evaluates to `PathBuildingBound.maximumPathLength` certificates,
/// and fails every evaluation once the task is cancelled so that a cancelled inspection ends quickly.
struct PathLengthPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        if Task.isCancelled { return .failsToMeetPolicy(reason: "path building was stopped (the request was cancelled)") }
        guard chain.count <= PathBuildingBound.maximumPathLength else {
            return .failsToMeetPolicy(
                reason: "the path has \(chain.count) certificates; Rollover accepts at most \(PathBuildingBound.maximumPathLength)")
        }
        return .meetsPolicy
    }
}
