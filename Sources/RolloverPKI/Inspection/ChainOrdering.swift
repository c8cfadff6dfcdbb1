/// Orders the given certificates from the leaf up by issuer name, preferring an issuer whose key verifies the
/// signature when several share a name (a re-keyed CA).
enum ChainOrdering {
    static func order(from leaf: ParsedCertificate, among certificates: [ParsedCertificate]) -> [ParsedCertificate] {
        var chain = [leaf]
        var current = leaf
        while !current.isSelfSigned {
            let candidates = certificates.filter { $0.subject == current.issuer && !chain.contains($0) }
            guard let next = candidates.first(where: { current.isSigned(by: $0) }) ?? candidates.first else { break }
            chain.append(next)
            current = next
        }
        return chain
    }
}
