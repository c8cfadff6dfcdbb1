import Crypto
import CryptoExtras
import SwiftASN1

/// Decrypts data protected by a password-based encryption scheme named by an AlgorithmIdentifier: PKCS#12 PBES1
/// (RFC 7292 appendix C), PKCS#5 PBES1 and PBES2 with PBKDF2 or scrypt (RFC 8018, RFC 7914).
/// Shared by PKCS#12 bags and encrypted PKCS#8 keys, which use the same identifiers.
///
/// Every derivation is checked before it runs: the key length it would produce against the cipher's, and its cost
/// against what is left of the input's `DecryptionBudget`. A file that asks for a 1,024-byte key for AES-256 is
/// refused without deriving a byte.
enum PasswordBasedDecryption {
    static func decrypt(_ ciphertext: [UInt8], algorithm: ASN1Node, password: Password?, session: ReadingSession) throws(ReadFailure) -> [UInt8] {
        let fields = try algorithm.sequence("the encryption algorithm")
        guard let oidNode = fields.first else { throw .malformed("the encryption algorithm is empty") }
        let oid = try oidNode.objectIdentifier("the encryption algorithm")
        let parameters = fields.dropFirst().first

        if let cipher = pkcs12Ciphers[oid.description] {
            let (salt, iterations) = try saltAndIterations(parameters)
            let secret = password?.bmpString ?? []
            let key = try PKCS12KeyDerivation.derive(
                .key, hash: .sha1, password: secret, salt: salt, iterations: iterations, length: cipher.keyBytes, session: session)
            let iv = cipher.ivBytes == 0 ? [] :
                try PKCS12KeyDerivation.derive(
                    .iv, hash: .sha1, password: secret, salt: salt, iterations: iterations, length: cipher.ivBytes, session: session)
            return try cipher.decrypt(ciphertext, key: key, iv: iv)
        }
        if let (digest, cipher) = pkcs5v1Schemes[oid.description] {
            let (salt, iterations) = try saltAndIterations(parameters)
            let derived = try pbkdf1(digest: digest, password: password?.utf8 ?? [], salt: salt, iterations: iterations, session: session)
            return try cipher.decrypt(ciphertext, key: Array(derived[0..<8]), iv: Array(derived[8..<16]))
        }
        if oid == OID.pbes2 {
            return try pbes2(ciphertext, parameters: parameters, password: password?.utf8 ?? [], session: session)
        }
        throw .unsupported("the file is encrypted with \(oid), a scheme Rollover does not know; re-export it with AES-256 (PBES2)")
    }

    private static let pkcs12Ciphers: [String: FileCipher] = [
        OID.pbeSHA1TripleDES.description: .tripleDESCBC,
        OID.pbeSHA1TwoKeyTripleDES.description: .twoKeyTripleDESCBC,
        OID.pbeSHA1RC2_128.description: .rc2CBC(keyBytes: 16, effectiveBits: 128),
        OID.pbeSHA1RC2_40.description: .rc2CBC(keyBytes: 5, effectiveBits: 40),
        OID.pbeSHA1RC4_128.description: .rc4(keyBytes: 16),
        OID.pbeSHA1RC4_40.description: .rc4(keyBytes: 5),
    ]

    private static let pkcs5v1Schemes: [String: (PBKDF1Digest, FileCipher)] = [
        OID.pbeMD5DES.description: (.md5, .desCBC),
        OID.pbeSHA1DES.description: (.sha1, .desCBC),
        OID.pbeMD5RC2.description: (.md5, .rc2CBC(keyBytes: 8, effectiveBits: 64)),
        OID.pbeSHA1RC2.description: (.sha1, .rc2CBC(keyBytes: 8, effectiveBits: 64)),
    ]

    private static func saltAndIterations(_ parameters: ASN1Node?) throws(ReadFailure) -> ([UInt8], Int) {
        guard let fields = try parameters?.sequence("the encryption parameters"), fields.count >= 2 else {
            throw .malformed("the encryption parameters are missing")
        }
        return (try fields[0].octets("the salt"), try fields[1].smallInteger("the iteration count"))
    }

    private enum PBKDF1Digest { case md5, sha1 }

    private static func pbkdf1(
        digest: PBKDF1Digest, password: [UInt8], salt: [UInt8], iterations: Int, session: ReadingSession
    ) throws(ReadFailure) -> [UInt8] {
        guard iterations >= 1, iterations <= PKCS12KeyDerivation.maximumIterations else {
            throw .unsupported("the file asks for \(iterations) key-derivation iterations; Rollover accepts 1 to \(PKCS12KeyDerivation.maximumIterations)")
        }
        try session.spend(iterations: iterations, blocks: 1, for: "the PBES1 key derivation")
        var t = password + salt
        for round in 0..<iterations {
            if round & 0xFFFF == 0xFFFF { try session.checkpoint() }
            t = digest == .md5 ? Array(Insecure.MD5.hash(data: t)) : Array(Insecure.SHA1.hash(data: t))
        }
        return t
    }

    private static func pbes2(_ ciphertext: [UInt8], parameters: ASN1Node?, password: [UInt8], session: ReadingSession) throws(ReadFailure) -> [UInt8] {
        guard let fields = try parameters?.sequence("the PBES2 parameters"), fields.count == 2 else {
            throw .malformed("the PBES2 parameters are missing")
        }
        let schemeFields = try fields[1].sequence("the PBES2 cipher")
        guard let schemeOIDNode = schemeFields.first else { throw .malformed("the PBES2 cipher is empty") }
        let schemeOID = try schemeOIDNode.objectIdentifier("the PBES2 cipher")
        let schemeParameters = schemeFields.dropFirst().first
        let (cipher, iv) = try pbes2Cipher(schemeOID, parameters: schemeParameters)
        let key = try pbes2Key(fields[0], password: password, cipherKeyBytes: cipher.keyBytes, session: session)
        return try cipher.decrypt(ciphertext, key: key, iv: iv)
    }

    private static func pbes2Cipher(_ oid: ASN1ObjectIdentifier, parameters: ASN1Node?) throws(ReadFailure) -> (FileCipher, [UInt8]) {
        let cipher: FileCipher
        switch oid {
        case OID.aes128CBC: cipher = .aesCBC(keyBytes: 16)
        case OID.aes192CBC: cipher = .aesCBC(keyBytes: 24)
        case OID.aes256CBC: cipher = .aesCBC(keyBytes: 32)
        case OID.desEDE3CBC: cipher = .tripleDESCBC
        case OID.desCBC: cipher = .desCBC
        case OID.rc2CBC:
            // RC2-CBC-Parameter ::= SEQUENCE { rc2ParameterVersion INTEGER OPTIONAL, iv OCTET STRING }
            let fields = try parameters?.sequence("the RC2 parameters") ?? []
            guard let ivNode = fields.last else { throw .malformed("the RC2 parameters are missing") }
            var effectiveBits = 32
            if fields.count == 2 {
                let version = try fields[0].smallInteger("the RC2 version")
                guard let bits = RC2.effectiveKeyBits(fromVersion: version) else {
                    throw .unsupported("the RC2 parameter version \(version) is not one Rollover knows")
                }
                effectiveBits = bits
            }
            return (.rc2CBC(keyBytes: max(1, effectiveBits / 8), effectiveBits: effectiveBits), try ivNode.octets("the RC2 IV"))
        default:
            throw .unsupported("the file is encrypted with the cipher \(oid), which Rollover does not support; re-export it with AES-256-CBC")
        }
        guard let parameters else { throw .malformed("the cipher has no IV") }
        return (cipher, try parameters.octets("the cipher IV"))
    }

    /// A key length the parameters state must be the cipher's: checked before deriving, since a derivation's cost
    /// grows with its length.
    private static func checkKeyLength(_ stated: Int?, cipherKeyBytes: Int, kdf: String) throws(ReadFailure) {
        guard let stated, stated != cipherKeyBytes else { return }
        throw .malformed("the \(kdf) parameters ask for a \(stated)-byte key but the cipher takes \(cipherKeyBytes) bytes; refused before deriving")
    }

    private static func pbes2Key(_ kdf: ASN1Node, password: [UInt8], cipherKeyBytes: Int, session: ReadingSession) throws(ReadFailure) -> [UInt8] {
        let kdfFields = try kdf.sequence("the PBES2 key derivation")
        guard kdfFields.count == 2 else { throw .malformed("the PBES2 key derivation has no parameters") }
        let kdfOID = try kdfFields[0].objectIdentifier("the PBES2 key derivation")
        let parameters = try kdfFields[1].sequence("the key derivation parameters")
        switch kdfOID {
        case OID.pbkdf2:
            let pbkdf2 = try PBKDF2Parameters(parameters)
            try checkKeyLength(pbkdf2.keyLength, cipherKeyBytes: cipherKeyBytes, kdf: "PBKDF2")
            return try pbkdf2.deriveKey(password: password, length: cipherKeyBytes, session: session)
        case OID.scrypt:
            // scrypt-params ::= SEQUENCE { salt, costParameter, blockSize, parallelizationParameter, keyLength OPTIONAL }
            guard parameters.count >= 4 else { throw .malformed("the scrypt parameters are incomplete") }
            let salt = try parameters[0].octets("the scrypt salt")
            let n = try parameters[1].smallInteger("the scrypt cost")
            let r = try parameters[2].smallInteger("the scrypt block size")
            let p = try parameters[3].smallInteger("the scrypt parallelism")
            let stated = try parameters.count > 4 ? parameters[4].smallInteger("the scrypt key length") : nil
            try checkKeyLength(stated, cipherKeyBytes: cipherKeyBytes, kdf: "scrypt")
            // 128·r·N bytes of memory: refuse what would not fit a small server rather than swap or hang; the
            // session then holds the memory to its own limit and the work N·r·p to the input's budget.
            guard n > 1, n & (n - 1) == 0, n <= 1 << 20, r >= 1, r <= 32, p >= 1, p <= 16 else {
                throw .unsupported("the scrypt parameters (N=\(n), r=\(r), p=\(p)) exceed what Rollover accepts")
            }
            try session.spendScrypt(n: n, r: r, p: p)
            do {
                let key = try KDF.Scrypt.deriveKey(
                    from: password, salt: salt, outputByteCount: cipherKeyBytes, rounds: n, blockSize: r, parallelism: p)
                return key.withUnsafeBytes { Array($0) }
            } catch {
                throw .malformed("the scrypt parameters are invalid")
            }
        default:
            throw .unsupported("the file derives its key with \(kdfOID), which Rollover does not support; re-export it with PBKDF2")
        }
    }
}
