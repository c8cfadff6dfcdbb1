import Foundation

/// The `--json` form of a report. Field names and meanings are stable: scripts depend on them.
public struct InspectionReportJSON: Codable, Sendable, Equatable {
    public struct Certificate: Codable, Sendable, Equatable {
        public var subject: String
        public var issuer: String
        public var sans: [String]
        public var notBefore: String
        public var notAfter: String
        public var sha256: String
        public var keyType: String
        public var keyBits: Int
        public var signatureAlgorithm: String
        public var chainLength: Int
        public var selfSigned: Bool
    }

    public var ok: Bool
    public var errors: [Problem]
    public var warnings: [Problem]
    /// Always present, `null` when no certificate was read.
    public var certificate: Certificate?

    public init(_ report: InspectionReport) {
        ok = report.ok
        errors = report.errors
        warnings = report.warnings
        certificate = report.leaf.map { leaf in
            Certificate(
                subject: leaf.subject.description,
                issuer: leaf.issuer.description,
                sans: SubjectAlternativeNameText.names(of: leaf),
                notBefore: ISO8601.string(leaf.notBefore),
                notAfter: ISO8601.string(leaf.notAfter),
                sha256: leaf.sha256Fingerprint,
                keyType: leaf.keyAlgorithm?.keyType ?? "unknown",
                keyBits: leaf.keyAlgorithm?.bits ?? 0,
                signatureAlgorithm: SignatureAlgorithmNames.name(leaf.signatureAlgorithm),
                chainLength: report.chain.count,
                selfSigned: leaf.isSelfSigned && report.chain.count == 1)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ok, forKey: .ok)
        try container.encode(errors, forKey: .errors)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(certificate, forKey: .certificate)  // explicit null, never omitted
    }

    public func jsonString() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{\"ok\": false}"
    }
}
