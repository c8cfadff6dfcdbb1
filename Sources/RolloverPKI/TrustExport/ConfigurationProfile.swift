import Crypto
import Foundation

/// An Apple configuration profile (`.mobileconfig`) with one `com.apple.security.root` payload per certificate.
///
/// The profile is unsigned: signing needs a certificate that Apple devices already trust, which Rollover's own CA is
/// not until this very profile is installed. Devices show it as "Not Verified", which is expected.
///
/// Every identifier and UUID is derived from `identifier` and the certificates, never random, so that exporting again
/// (another server restart, another administrator) gives a profile that updates the installed one in place. A device
/// matches profiles by `PayloadIdentifier`; a new `PayloadUUID` under the same identifier would still replace it, but
/// stable UUIDs also keep the file itself byte-identical, which is what lets a download be compared or cached.
enum ConfigurationProfile {
    static func make(_ anchors: [TrustAnchor], identifier: String, organization: String) throws(TrustExportError) -> [UInt8] {
        guard !identifier.isEmpty, !identifier.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true })
        else { throw TrustExportError("the profile identifier \"\(identifier)\" is empty or contains spaces or control characters") }
        guard !organization.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw TrustExportError("the profile needs an organization name to show")
        }

        let payloads: [[String: Any]] = anchors.map { anchor in
            let payloadIdentifier = "\(identifier).\(anchor.sha256)"
            let subject = anchor.certificate.subject.description
            return [
                "PayloadCertificateFileName": anchor.derFileName,
                "PayloadContent": Data(anchor.der),
                "PayloadDisplayName": anchor.commonName ?? (subject.isEmpty ? anchor.derFileName : subject),
                "PayloadIdentifier": payloadIdentifier,
                "PayloadType": "com.apple.security.root",
                "PayloadUUID": stableUUID(payloadIdentifier),
                "PayloadVersion": 1,
            ]
        }
        let profile: [String: Any] = [
            "PayloadContent": payloads,
            "PayloadDescription": "Installs the root certificates of \(organization), so that this device trusts the servers whose certificates they issue.",
            "PayloadDisplayName": "\(organization) Root Certificates",
            "PayloadIdentifier": identifier,
            "PayloadOrganization": organization,
            "PayloadType": "Configuration",
            "PayloadUUID": stableUUID(identifier),
            "PayloadVersion": 1,
        ]
        // Foundation writes dictionary keys sorted and escapes strings, on Linux as on Apple platforms.
        do {
            return Array(try PropertyListSerialization.data(fromPropertyList: profile, format: .xml, options: 0))
        } catch {
            throw TrustExportError("the configuration profile could not be written: \(error)")
        }
    }

    /// Rollover's own namespace for name-based UUIDs. Changing it changes every profile's UUIDs.
    private static let namespace: [UInt8] = [
        0x03, 0xF7, 0xDD, 0x35, 0xA7, 0x06, 0x4A, 0xE5, 0xB6, 0x1F, 0x07, 0x76, 0xAC, 0x96, 0x89, 0x85,
    ]

    /// A version 5 (SHA-1, name-based) UUID per RFC 9562, in the uppercase form Apple's own profiles use.
    static func stableUUID(_ name: String) -> String {
        var bytes = Array(Insecure.SHA1.hash(data: namespace + Array(name.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02X", $0) }.joined()
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex.dropFirst(range.lowerBound).prefix(range.count))
        }.joined(separator: "-")
    }
}
