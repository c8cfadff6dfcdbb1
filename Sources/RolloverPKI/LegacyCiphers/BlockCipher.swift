// The shared shape of the legacy block ciphers (DES, 3DES, RC2) and the CBC mode that
// PKCS#12 and encrypted PEM/PKCS#8 files always pair them with.

/// A block cipher that can only decrypt: Rollover reads legacy files, it never writes them.
protocol LegacyBlockDecryptor: Sendable {
    static var blockSize: Int { get }
    /// Decrypts one block; `input.count == blockSize`, and `input` may start at any index.
    func decryptBlock(_ input: ArraySlice<UInt8>) -> [UInt8]
}

enum LegacyCipherError: Error, Equatable {
    case invalidKeyLength
    case invalidIVLength
    case ciphertextNotBlockAligned
}

/// CBC decryption without padding removal (the caller strips and checks PKCS#7 padding).
enum CBCDecryption {
    static func decrypt<C: LegacyBlockDecryptor>(
        _ ciphertext: [UInt8], cipher: C, iv: [UInt8]
    ) throws(LegacyCipherError) -> [UInt8] {
        let blockSize = C.blockSize
        guard iv.count == blockSize else { throw .invalidIVLength }
        guard ciphertext.count % blockSize == 0 else { throw .ciphertextNotBlockAligned }

        var plaintext: [UInt8] = []
        plaintext.reserveCapacity(ciphertext.count)
        var previous = iv[...]
        for start in stride(from: 0, to: ciphertext.count, by: blockSize) {
            let block = ciphertext[start..<start + blockSize]
            let decrypted = cipher.decryptBlock(block)
            for offset in 0..<blockSize {
                plaintext.append(decrypted[offset] ^ previous[previous.startIndex + offset])
            }
            previous = block
        }
        return plaintext
    }
}
