import Foundation
import RolloverAgent
import RolloverCore
import X509
import Crypto
import _CryptoExtras

/// Signs a handover statement with a certificate's private key, in the algorithm its key type has.
enum HandoverSigning {
    static func sign(_ statement: [UInt8], with key: Certificate.PrivateKey, chain: [Certificate]) throws -> HandoverSignature {
        guard let signer = chain.first else { throw HandoverRecordError("a handover signature needs the signer's certificate") }
        let algorithm = try algorithm(for: key.publicKey)
        let signature = try key.sign(bytes: HandoverRecord.signedBytes(statement), signatureAlgorithm: algorithm.certificateAlgorithm)
        return HandoverSignature(
            signer: CertificateFingerprint.sha256(signer), chain: try chain.map { try $0.serializeAsPEM().pemString },
            algorithm: algorithm.rawValue, value: Data(signature.rawRepresentation).base64EncodedString())
    }

    static func algorithm(for key: Certificate.PublicKey) throws -> HandoverSignature.Algorithm {
        if P256.Signing.PublicKey(key) != nil { return .ecdsaSHA256 }
        if P384.Signing.PublicKey(key) != nil { return .ecdsaSHA384 }
        if P521.Signing.PublicKey(key) != nil { return .ecdsaSHA512 }
        if Curve25519.Signing.PublicKey(key) != nil { return .ed25519 }
        if _RSA.Signing.PublicKey(key) != nil { return .rsaSHA256 }
        throw HandoverRecordError("a handover record cannot be signed with a \(key) key")
    }
}
