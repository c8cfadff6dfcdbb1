/// The human form of a report: one screen, the certificate first, then each problem with what to do.
extension InspectionReport {
    public func text() -> String {
        var lines: [String] = []
        if let leaf {
            let json = InspectionReportJSON(self).certificate
            lines.append("Certificate  \(leaf.subject)")
            lines.append("  Names      \(Self.shortList(json?.sans ?? []) ?? "(no subjectAltName)")")
            lines.append("  Issuer     \(leaf.issuer)")
            lines.append("  Valid      \(json?.notBefore ?? "") → \(json?.notAfter ?? "")")
            lines.append("  Key        \(leaf.keyAlgorithm?.description ?? "unreadable")\(key != nil ? " (private key found)" : keyHeldByRollover ? " (private key held by Rollover)" : " (no private key)")")
            lines.append("  Signature  \(json?.signatureAlgorithm ?? "")")
            lines.append("  SHA-256    \(leaf.sha256Fingerprint)")
            lines.append("Chain")
            for (index, certificate) in chain.enumerated() {
                let source = index < certificatesFromFiles ? "" : "  (from the trust store)"
                lines.append("  \(index). \(certificate.subject)\(source)")
            }
        }
        if errors.isEmpty {
            lines.append(warnings.isEmpty ? "OK: the certificate can be imported." : "OK with warnings: the certificate can be imported.")
        } else {
            lines.append("Cannot be imported: \(errors.count) problem\(errors.count == 1 ? "" : "s").")
        }
        for problem in errors { lines.append("  error   [\(problem.code.rawValue)] \(problem.message)") }
        for problem in warnings { lines.append("  warning [\(problem.code.rawValue)] \(problem.message)") }
        return lines.joined(separator: "\n")
    }
}

extension InspectionReport {
    /// Public certificates carry dozens of names; one screen shows the first few and a count.
    static func shortList(_ names: [String], limit: Int = 8) -> String? {
        guard !names.isEmpty else { return nil }
        let shown = names.prefix(limit).joined(separator: ", ")
        return names.count > limit ? "\(shown) and \(names.count - limit) more" : shown
    }
}
