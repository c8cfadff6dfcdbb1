/// Orders the given certificates from the leaf up by issuer name, preferring an issuer whose key verifies the
/// signature when several share a name (a re-keyed CA). Bounded like path building: at most
/// `PathBuildingBound.maximumPathLength` certificates and `maximumIssuerCandidates` signature checks per step,
/// so a bundle of many same-named certificates costs a few hundred checks, not the square of its size.
enum ChainOrdering {
    static func order(from leaf: ParsedCertificate, among certificates: [ParsedCertificate]) -> [ParsedCertificate] {
        var chain = [leaf]
        var current = leaf
        while !current.isSelfSigned, chain.count < PathBuildingBound.maximumPathLength {
            let candidates = certificates.filter { $0.subject == current.issuer && !chain.contains($0) }
            let checked = candidates.prefix(PathBuildingBound.maximumIssuerCandidates)
            guard let next = checked.first(where: { current.isSigned(by: $0) }) ?? candidates.first else { break }
            chain.append(next)
            current = next
        }
        return chain
    }
}
