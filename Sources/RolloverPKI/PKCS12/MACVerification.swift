import Crypto
import CryptoExtras
import SwiftASN1

/// Checks the password integrity MAC of a PKCS#12 file: the classic HMAC keyed by the PKCS#12 KDF
/// (RFC 7292 §5) or PBMAC1 (RFC 9579). A mismatch means a wrong password (or a tampered file).
enum MACVerification {
    /// Shortest PBMAC1 key accepted: a 1-byte key is a known forgery (go-pkcs12's short-key bypass).
    static let minimumPBMAC1KeyBytes = 20

    /// MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
    static func verify(_ macData: ASN1Node, content: [UInt8], password: Password?, session: ReadingSession) throws(ReadFailure) -> Bool {
        let fields = try macData.sequence("the PKCS#12 MAC")
        guard fields.count >= 2 else { throw .malformed("the PKCS#12 MAC is incomplete") }
        let digestInfo = try fields[0].sequence("the PKCS#12 MAC value")
        guard digestInfo.count == 2 else { throw .malformed("the PKCS#12 MAC value is incomplete") }
        let algorithm = try digestInfo[0].sequence("the PKCS#12 MAC algorithm")
        guard let oidNode = algorithm.first else { throw .malformed("the PKCS#12 MAC algorithm is empty") }
        let expected = try digestInfo[1].octets("the PKCS#12 MAC value")
        let oid = try oidNode.objectIdentifier("the PKCS#12 MAC algorithm")

        if oid == OID.pbmac1 {
            return try verifyPBMAC1(
                parameters: algorithm.dropFirst().first, expected: expected, content: content, password: password, session: session)
        }
        let digest = try PKCS12Digest(oid: oid)
        let salt = try fields[1].octets("the PKCS#12 MAC salt")
        let iterations = try fields.count > 2 ? fields[2].smallInteger("the PKCS#12 MAC iterations") : 1
        let key = try PKCS12KeyDerivation.derive(
            .mac, hash: digest, password: password?.bmpString ?? [], salt: salt, iterations: iterations, length: digest.outputBytes,
            session: session)
        return digest.hmac(key: key, data: content) == expected
    }

    /// PBMAC1-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier (PBKDF2), messageAuthScheme AlgorithmIdentifier }
    private static func verifyPBMAC1(
        parameters: ASN1Node?, expected: [UInt8], content: [UInt8], password: Password?, session: ReadingSession
    ) throws(ReadFailure) -> Bool {
        guard let fields = try parameters?.sequence("the PBMAC1 parameters"), fields.count == 2 else {
            throw .malformed("the PBMAC1 parameters are missing")
        }
        let kdf = try fields[0].sequence("the PBMAC1 key derivation")
        guard kdf.count == 2, try kdf[0].objectIdentifier("the PBMAC1 key derivation") == OID.pbkdf2 else {
            throw .unsupported("PBMAC1 without PBKDF2 is not supported")
        }
        let pbkdf2 = try PBKDF2Parameters(kdf[1].sequence("the PBKDF2 parameters"))
        guard let keyLength = pbkdf2.keyLength else {
            throw .malformed("the PBMAC1 key derivation does not state its key length, which RFC 9579 requires")
        }
        guard keyLength >= minimumPBMAC1KeyBytes else {
            throw .malformed("the PBMAC1 key is \(keyLength) bytes, too short to protect the file (a known forgery)")
        }
        let scheme = try fields[1].sequence("the PBMAC1 MAC").first?.objectIdentifier("the PBMAC1 MAC")
        let digest: PKCS12Digest
        switch scheme {
        case OID.hmacWithSHA1: digest = .sha1
        case OID.hmacWithSHA256: digest = .sha256
        case OID.hmacWithSHA384: digest = .sha384
        case OID.hmacWithSHA512: digest = .sha512
        default: throw .unsupported("PBMAC1 with \(scheme?.description ?? "an unnamed MAC") is not supported")
        }
        // An HMAC key longer than the hash's block is hashed down first, so a longer one only multiplies the
        // PBKDF2 work (RFC 9579 files use the hash's output length): refused before deriving.
        guard keyLength <= digest.blockBytes else {
            throw .malformed("the PBMAC1 key derivation asks for a \(keyLength)-byte key; HMAC with this hash takes at most \(digest.blockBytes); refused before deriving")
        }
        let key = try pbkdf2.deriveKey(password: password?.utf8 ?? [], length: keyLength, session: session)
        return digest.hmac(key: key, data: content) == expected
    }
}
