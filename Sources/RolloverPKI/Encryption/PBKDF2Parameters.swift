import CryptoExtras
import SwiftASN1

/// PBKDF2-params (RFC 8018 appendix A.2), also used by PBMAC1.
struct PBKDF2Parameters {
    var salt: [UInt8]
    var iterations: Int
    var keyLength: Int?
    var prf: KDF.Insecure.PBKDF2.HashFunction

    init(_ fields: [ASN1Node]) throws(ReadFailure) {
        guard fields.count >= 2 else { throw .malformed("the PBKDF2 parameters are incomplete") }
        salt = try fields[0].octets("the PBKDF2 salt")
        iterations = try fields[1].smallInteger("the PBKDF2 iteration count")
        prf = .insecureSHA1
        for field in fields.dropFirst(2) {
            if field.identifier == .integer {
                keyLength = try field.smallInteger("the PBKDF2 key length", max: 1024)
            } else {
                let prfOID = try field.sequence("the PBKDF2 function").first?.objectIdentifier("the PBKDF2 function")
                switch prfOID {
                case OID.hmacWithSHA1: prf = .insecureSHA1
                case OID.hmacWithSHA224: prf = .insecureSHA224
                case OID.hmacWithSHA256: prf = .sha256
                case OID.hmacWithSHA384: prf = .sha384
                case OID.hmacWithSHA512: prf = .sha512
                default: throw .unsupported("PBKDF2 with \(prfOID?.description ?? "an unnamed function") is not supported; re-export with HMAC-SHA-256")
                }
            }
        }
    }

    /// Bytes of one PRF output: PBKDF2 runs all its iterations once per output block of the key.
    var prfOutputBytes: Int {
        switch prf {
        case .insecureSHA1: 20
        case .insecureSHA224: 28
        case .sha256: 32
        case .sha384: 48
        default: 64
        }
    }

    /// Derives `length` bytes; the caller has checked that length against what will use the key. The cost,
    /// iterations × output blocks, is drawn from the session's budget first. swift-crypto's PBKDF2 cannot be
    /// interrupted, so the 2,000,000-iteration cap bounds one call.
    func deriveKey(password: [UInt8], length: Int, session: ReadingSession) throws(ReadFailure) -> [UInt8] {
        guard iterations >= 1, iterations <= PKCS12KeyDerivation.maximumIterations else {
            throw .unsupported("the file asks for \(iterations) PBKDF2 iterations; Rollover accepts 1 to \(PKCS12KeyDerivation.maximumIterations)")
        }
        try session.spend(iterations: iterations, blocks: (length + prfOutputBytes - 1) / prfOutputBytes, for: "the PBKDF2 key derivation")
        do {
            let key = try KDF.Insecure.PBKDF2.deriveKey(
                from: password, salt: salt, using: prf, outputByteCount: length, unsafeUncheckedRounds: iterations)
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw .malformed("the PBKDF2 parameters are invalid")
        }
    }
}
