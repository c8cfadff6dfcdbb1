import Crypto
import Foundation
import RolloverCore
import SwiftASN1
import X509

/// SHA-256 of a certificate's DER as lowercase hex: the fingerprint the sync protocol speaks.
public enum CertificateFingerprint {
    public static func sha256(der: [UInt8]) -> String {
        SHA256.hash(data: der).hexEncoded
    }

    public static func sha256(_ certificate: Certificate) -> String {
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(certificate)) != nil else { return "" }
        return sha256(der: serializer.serializedBytes)
    }
}

extension TrustItem {
    /// Every certificate of a PEM text as an anchor (e.g. the server's `ca.pem` given with `--ca-file`).
    public static func anchors(pem text: String) throws -> [TrustItem] {
        let documents = try PEMDocument.parseMultiple(pemString: text).filter { $0.discriminator == "CERTIFICATE" }
        guard !documents.isEmpty else { throw AgentError("no PEM certificate found") }
        return try documents.map { document in
            _ = try Certificate(derEncoded: document.derBytes)
            return TrustItem(role: .anchor, fingerprint: CertificateFingerprint.sha256(der: document.derBytes), pem: document.pemString)
        }
    }
}
