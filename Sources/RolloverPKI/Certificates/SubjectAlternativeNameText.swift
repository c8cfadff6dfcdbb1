import X509

/// The subjectAltNames as text for reports: DNS names and IPs as they are, others with a prefix.
enum SubjectAlternativeNameText {
    static func names(of certificate: ParsedCertificate) -> [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.map { name in
            switch name {
            case .dnsName(let dns): dns
            case .ipAddress(let octets): IPAddressText.text(Array(octets.bytes))
            case .rfc822Name(let email): "email:\(email)"
            case .uniformResourceIdentifier(let uri): "URI:\(uri)"
            default: "other:\(name)"
            }
        }
    }
}
