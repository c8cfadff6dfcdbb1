import Crypto
import SwiftASN1
import X509

/// One fingerprint for a public key however it arrived (a certificate, an imported key file, a key Rollover made):
/// SHA-256 over the key's kind and its identifying bytes, hex. How a signed certificate finds its pending key.
public enum PublicKeyFingerprint {
    static func of(_ identity: PublicKeyIdentity) -> String {
        let input = Array(identity.algorithm.keyType.utf8) + [0x3A] + identity.material
        return SHA256.hash(data: input).map { String(format: "%02x", $0) }.joined()
    }

    public static func of(_ key: PrivateKeyMaterial) -> String { of(key.publicKey) }

    /// Nil when the certificate's key is one Rollover cannot use.
    public static func of(_ certificate: ParsedCertificate) -> String? { (try? certificate.publicKey.get()).map(of) }

    public static func of(_ key: Certificate.PublicKey) throws -> String {
        var serializer = DER.Serializer()
        try serializer.serialize(key)
        return of(try SubjectPublicKeyInfoReader.read(try ASN1Parsing.parse(serializer.serializedBytes, what: "the public key")))
    }
}
