import Foundation
import X509

/// Matches a connection address against the subjectAltName only (RFC 6125 / RFC 9525): DNS names
/// case-insensitively with a wildcard allowed as the whole left-most label, IP addresses byte for byte.
/// The Common Name never counts, as in every current TLS client.
enum HostnameMatching {
    static func matches(_ address: String, _ certificate: ParsedCertificate) -> Bool {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return false }
        if let ip = IPAddressText.bytes(address) {
            return names.contains { name in
                if case .ipAddress(let octets) = name { return Array(octets.bytes) == ip }
                return false
            }
        }
        let host = normalized(address)
        return names.contains { name in
            if case .dnsName(let pattern) = name { return dnsMatches(host: host, pattern: normalized(pattern)) }
            return false
        }
    }

    private static func normalized(_ name: String) -> String {
        var name = name.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return name
    }

    private static func dnsMatches(host: String, pattern: String) -> Bool {
        guard pattern.hasPrefix("*.") else { return host == pattern }
        let suffix = pattern.dropFirst(2)
        // The wildcard stands for exactly one whole label, and never for a public suffix alone ("*.com").
        guard suffix.contains("."), let dot = host.firstIndex(of: ".") else { return false }
        return host[host.index(after: dot)...] == suffix && dot != host.startIndex
    }
}
