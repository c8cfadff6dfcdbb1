import Crypto
import CryptoExtras

/// The ciphers password-protected files are encrypted with, and CBC decryption with padding removal.
/// AES comes from swift-crypto; DES, 3DES, RC2 and RC4 from `LegacyCiphers`, decrypt-only.
enum FileCipher: Sendable {
    case aesCBC(keyBytes: Int)
    case tripleDESCBC
    case twoKeyTripleDESCBC
    case desCBC
    case rc2CBC(keyBytes: Int, effectiveBits: Int)
    case rc4(keyBytes: Int)

    var keyBytes: Int {
        switch self {
        case .aesCBC(let bytes): bytes
        case .tripleDESCBC: 24
        case .twoKeyTripleDESCBC: 16
        case .desCBC: 8
        case .rc2CBC(let bytes, _): bytes
        case .rc4(let bytes): bytes
        }
    }

    var ivBytes: Int {
        switch self {
        case .aesCBC: 16
        case .rc4: 0
        default: 8
        }
    }

    /// Decrypts and removes PKCS#7 padding. Bad padding almost always means a wrong password.
    func decrypt(_ ciphertext: [UInt8], key: [UInt8], iv: [UInt8]) throws(ReadFailure) -> [UInt8] {
        guard key.count == keyBytes, iv.count == ivBytes else { throw .malformed("the encryption parameters have the wrong length") }
        let padded: [UInt8]
        do {
            switch self {
            case .aesCBC:
                guard !ciphertext.isEmpty, ciphertext.count % 16 == 0 else { throw ReadFailure.malformed("the encrypted data is cut short") }
                padded = Array(try AES._CBC.decrypt(ciphertext, using: SymmetricKey(data: key), iv: AES._CBC.IV(ivBytes: iv), noPadding: true))
            case .tripleDESCBC, .twoKeyTripleDESCBC:
                padded = try CBCDecryption.decrypt(ciphertext, cipher: TripleDES(key: key), iv: iv)
            case .desCBC:
                padded = try CBCDecryption.decrypt(ciphertext, cipher: DES(key: key), iv: iv)
            case .rc2CBC(_, let effectiveBits):
                padded = try CBCDecryption.decrypt(ciphertext, cipher: RC2(key: key, effectiveKeyBits: effectiveBits), iv: iv)
            case .rc4:
                return RC4.apply(key: key, to: ciphertext)
            }
        } catch let failure as ReadFailure {
            throw failure
        } catch {
            throw .malformed("the encrypted data could not be decrypted (\(error.shortDescription))")
        }
        return try Self.removePadding(padded)
    }

    private static func removePadding(_ padded: [UInt8]) throws(ReadFailure) -> [UInt8] {
        guard let last = padded.last, last >= 1, Int(last) <= padded.count, Int(last) <= 16,
            padded.suffix(Int(last)).allSatisfy({ $0 == last })
        else {
            throw .wrongPassword("the password does not decrypt it")
        }
        return Array(padded.dropLast(Int(last)))
    }
}
