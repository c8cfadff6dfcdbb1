/// Where a server certificate is in its life (see DESIGN.md): `staged` → `reserve` → `active` → `retired`;
/// the first two can end `cancelled`; an `active` one not replaced in time ends `expired`.
public enum CertificateState: String, Sendable, Codable, CaseIterable {
    case staged, reserve, active, retired, cancelled, expired
}

/// Where a certificate came from: imported from a third-party CA, issued by Rollover's own CA, or that CA's root.
public enum CertificateSource: String, Sendable, Codable, CaseIterable {
    case imported, issued, authority
}
