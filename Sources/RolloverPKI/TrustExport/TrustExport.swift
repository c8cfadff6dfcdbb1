import Crypto
import Foundation
import SwiftASN1
import X509

/// How the root certificates reach a device that does not run the Rollover agent.
public enum TrustExportFormat: String, CaseIterable, Sendable {
    /// An Apple configuration profile (iOS, iPadOS, macOS): one file holding every certificate.
    case mobileconfig
    /// One DER `.cer` per certificate, named by its SHA-1 thumbprint (Android, and most import dialogs).
    case der
    /// One PEM bundle holding every certificate (browsers, Java `keytool`, `SSL_CERT_FILE`).
    case pem
    /// The same files as `der`: `certutil -addstore Root <thumbprint>.cer` and the certificate MMC take DER.
    case windows
    /// One PEM `.crt` per certificate, because `update-ca-certificates` reads exactly one from each file
    /// in `/usr/local/share/ca-certificates`.
    case linux
}

/// One file to hand to a device or an administrator.
public struct ExportedFile: Sendable, Hashable {
    public var name: String
    public var contents: [UInt8]

    public init(name: String, contents: [UInt8]) {
        self.name = name
        self.contents = contents
    }
}

public struct TrustExportError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Trust material for devices that do not run the agent, bytes in and bytes out.
///
/// Every format is byte-stable: the certificates are sorted by SHA-256 fingerprint and duplicates dropped, so the same
/// set of roots gives the same files whatever order they came in. For the configuration profile that matters beyond
/// tidiness: a device replaces an installed profile in place only when identifiers and UUIDs match, otherwise it
/// installs the new one next to the old.
public enum TrustExport {
    /// The configuration profile's file name.
    public static let profileFileName = "rollover-trust.mobileconfig"
    /// The PEM bundle's file name.
    public static let bundleFileName = "rollover-trust.pem"

    /// - Parameters:
    ///   - certificates: DER of each root/anchor certificate to distribute.
    ///   - profileIdentifier: the stable reverse-DNS identifier base, e.g. `com.rollover.trust.<server host>`;
    ///     only the configuration profile uses it.
    ///   - organization: shown in the configuration profile, e.g. `Rollover`.
    /// - Throws: `TrustExportError` when there is no certificate, when one is not a DER X.509 certificate, or when
    ///   the configuration profile lacks an identifier or organization.
    public static func export(
        _ certificates: [[UInt8]], format: TrustExportFormat, profileIdentifier: String, organization: String
    ) throws -> [ExportedFile] {
        let anchors = try TrustAnchor.sortedUnique(certificates)
        switch format {
        case .mobileconfig:
            let profile = try ConfigurationProfile.make(anchors, identifier: profileIdentifier, organization: organization)
            return [ExportedFile(name: profileFileName, contents: profile)]
        case .der, .windows:
            return anchors.map { ExportedFile(name: $0.derFileName, contents: $0.der) }
        case .pem:
            return [ExportedFile(name: bundleFileName, contents: Array(anchors.map(\.pem).joined().utf8))]
        case .linux:
            return anchors.map { ExportedFile(name: "rollover-\($0.sha256.prefix(16)).crt", contents: Array($0.pem.utf8)) }
        }
    }
}

/// One certificate to distribute, checked and with the names every format derives from it.
struct TrustAnchor: Sendable {
    let der: [UInt8]
    /// Lowercase hex, the order and the identity of a certificate in every format.
    let sha256: String
    /// Uppercase hex, as Windows shows it ("Thumbprint") and as `certutil` names certificates.
    let sha1Thumbprint: String
    let certificate: Certificate

    init(der: [UInt8], position: Int, of count: Int) throws(TrustExportError) {
        let which = count == 1 ? "the certificate" : "certificate \(position) of \(count)"
        if der.isEmpty { throw TrustExportError("\(which) is empty") }
        if der.starts(with: Array("-----BEGIN".utf8)) {
            throw TrustExportError("\(which) is PEM text; the export takes the DER bytes of each certificate")
        }
        do {
            // DER parsing refuses trailing bytes, so a certificate with garbage after it is refused too.
            certificate = try Certificate(derEncoded: der)
        } catch {
            throw TrustExportError("\(which) is not an X.509 certificate in DER (\(der.count) bytes): \(error)")
        }
        self.der = der
        sha256 = Self.hex(SHA256.hash(data: der))
        sha1Thumbprint = Self.hex(Insecure.SHA1.hash(data: der)).uppercased()
    }

    /// Sorted by fingerprint and without duplicates, because two copies would give two payloads with the same
    /// identifier and two files with the same name.
    static func sortedUnique(_ certificates: [[UInt8]]) throws(TrustExportError) -> [TrustAnchor] {
        guard !certificates.isEmpty else { throw TrustExportError("there is no certificate to export") }
        var anchors: [String: TrustAnchor] = [:]
        for (index, der) in certificates.enumerated() {
            let anchor = try TrustAnchor(der: der, position: index + 1, of: certificates.count)
            anchors[anchor.sha256] = anchor
        }
        return anchors.values.sorted { $0.sha256 < $1.sha256 }
    }

    var derFileName: String { "\(sha1Thumbprint).cer" }

    /// The original bytes re-wrapped, never a re-encoding, so the fingerprint stays the one people compare.
    /// Ends with a newline, so files and bundle concatenate cleanly.
    var pem: String { PEMDocument(type: "CERTIFICATE", derBytes: der).pemString + "\n" }

    /// The subject's first common name, if it has one in a string type.
    var commonName: String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                if let name = String(attribute.value), !name.isEmpty { return name }
            }
        }
        return nil
    }

    private static func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
