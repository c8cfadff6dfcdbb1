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

/// Parses and prints IP addresses for subjectAltName comparisons, through the C library's inet_pton/inet_ntop.
enum IPAddressText {
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func text(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        guard bytes.count == 16 else { return bytes.map { String(format: "%02x", $0) }.joined() }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

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
