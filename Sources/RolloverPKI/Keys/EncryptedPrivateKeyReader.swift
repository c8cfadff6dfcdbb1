import Crypto
import Foundation
import SwiftASN1

/// Reads password-protected private keys: PKCS#8 EncryptedPrivateKeyInfo (PEM or DER) and the traditional
/// OpenSSL form with `Proc-Type: 4,ENCRYPTED` and `DEK-Info` headers.
enum EncryptedPrivateKeyReader {
    /// A `nil` password is the absent password of PKCS#12 files; callers refuse it for key files first.
    /// EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm AlgorithmIdentifier, encryptedData OCTET STRING }
    static func pkcs8(_ node: ASN1Node, password: Password?, session: ReadingSession) throws(ReadFailure) -> PrivateKeyMaterial {
        let fields = try node.sequence("the encrypted private key")
        guard fields.count == 2 else { throw .malformed("the encrypted private key has \(fields.count) fields instead of 2") }
        let ciphertext = try fields[1].octets("the encrypted key data")
        let plaintext = try PasswordBasedDecryption.decrypt(ciphertext, algorithm: fields[0], password: password, session: session)
        return try parseDecrypted { () throws(ReadFailure) in try PrivateKeyReader.read(plaintext, as: .pkcs8) }
    }

    /// RFC 1421 style encryption: the key is derived with OpenSSL's EVP_BytesToKey (MD5, one round) from the
    /// password and the first eight bytes of the IV. The key length comes from the cipher the DEK-Info header
    /// names, so it always fits; the derivation is one MD5 per 16 bytes, counted against the budget all the same.
    static func traditional(
        _ block: PEMBlock, encoding: PrivateKeyReader.Encoding, password: Password?, session: ReadingSession
    ) throws(ReadFailure) -> PrivateKeyMaterial {
        guard let dekInfo = block.headers["DEK-Info"] else {
            throw .malformed("the key says it is encrypted (Proc-Type: 4,ENCRYPTED) but has no DEK-Info header")
        }
        let parts = dekInfo.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let iv = hexBytes(parts[1]) else {
            throw .malformed("the DEK-Info header \"\(dekInfo)\" is not \"CIPHER,IV\"")
        }
        let cipher: FileCipher
        switch parts[0].uppercased() {
        case "DES-EDE3-CBC": cipher = .tripleDESCBC
        case "DES-CBC": cipher = .desCBC
        case "AES-128-CBC": cipher = .aesCBC(keyBytes: 16)
        case "AES-192-CBC": cipher = .aesCBC(keyBytes: 24)
        case "AES-256-CBC": cipher = .aesCBC(keyBytes: 32)
        default:
            throw .unsupported("the key is encrypted with \(parts[0]), which Rollover does not support; re-encrypt it with AES-256-CBC")
        }
        guard iv.count == cipher.ivBytes else {
            throw .malformed("the DEK-Info IV is \(iv.count) bytes; \(parts[0]) needs \(cipher.ivBytes)")
        }
        try session.spend(iterations: 1, blocks: (cipher.keyBytes + 15) / 16, for: "the traditional key encryption")
        let key = bytesToKey(password: password?.utf8 ?? [], salt: Array(iv.prefix(8)), length: cipher.keyBytes)
        let plaintext = try cipher.decrypt(block.der, key: key, iv: iv)
        return try parseDecrypted { () throws(ReadFailure) in try PrivateKeyReader.read(plaintext, as: encoding) }
    }

    static let missingPassword = ReadFailure.wrongPassword(
        "the private key is encrypted and no password was given: pass it with --password-file, --password-env or --password-stdin")

    /// A decryption that passes the padding check can still be garbage with a wrong password (about 1 in 256):
    /// a key that then does not parse is reported as a wrong password, not as a malformed file.
    private static func parseDecrypted(_ parse: () throws(ReadFailure) -> PrivateKeyMaterial) throws(ReadFailure) -> PrivateKeyMaterial {
        do { return try parse() } catch where error.code == .malformed {
            throw .wrongPassword("the password does not decrypt the private key")
        }
    }

    private static func bytesToKey(password: [UInt8], salt: [UInt8], length: Int) -> [UInt8] {
        var derived: [UInt8] = []
        var previous: [UInt8] = []
        while derived.count < length {
            previous = Array(Insecure.MD5.hash(data: previous + password + salt))
            derived += previous
        }
        return Array(derived.prefix(length))
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let characters = Array(text)
        guard !characters.isEmpty, characters.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let byte = UInt8(String(characters[index...index + 1]), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
