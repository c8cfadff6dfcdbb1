import SwiftASN1
import X509

/// An address devices use to reach the server: a DNS name or an IP address, as it goes in a subjectAltName.
public enum ConnectionAddress: Sendable, Hashable, CustomStringConvertible {
    case dns(String)
    case ip([UInt8])

    /// Parses an address as an administrator types it; refuses what no certificate could carry.
    public init(_ text: String) throws(AuthorityError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let bytes = IPAddressText.bytes(trimmed) {
            self = .ip(bytes)
            return
        }
        let name = trimmed.hasSuffix(".") ? String(trimmed.dropLast()) : trimmed
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid = !name.isEmpty && name.count <= 253 && labels.enumerated().allSatisfy { index, label in
            if label == "*" { return index == 0 && labels.count > 2 }
            return (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
        guard valid else { throw AuthorityError("\"\(text)\" is neither a DNS name nor an IP address") }
        self = .dns(name)
    }

    var generalName: GeneralName {
        switch self {
        case .dns(let name): .dnsName(name)
        case .ip(let bytes): .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes)))
        }
    }

    public var description: String {
        switch self {
        case .dns(let name): name
        case .ip(let bytes): IPAddressText.text(bytes)
        }
    }
}

/// A request the CA or the CSR builder refuses, with a sentence for the administrator.
public struct AuthorityError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
