// Checks the decrypt-only legacy ciphers against published known-answer vectors and
// against whatever the local `openssl enc` produces for the same keys and IVs.

import Foundation
import RolloverTestSupport
import Testing
@testable import RolloverPKI

@Suite("Legacy ciphers")
struct LegacyCipherTests {
    // MARK: Known answers (no openssl needed)

    @Test("DES decrypts the classic known-answer block")
    func desKnownAnswer() throws {
        let des = try DES(key: Self.bytes("133457799BBCDFF1"))
        #expect(des.decryptBlock(Self.bytes("85E813540F0AB405")[...]) == Self.bytes("0123456789ABCDEF"))
    }

    @Test("DES ignores the parity bit of each key byte")
    func desIgnoresParityBits() throws {
        // 133457799BBCDFF1 with the low bit of every byte flipped.
        let des = try DES(key: Self.bytes("123556789ABDDEF0"))
        #expect(des.decryptBlock(Self.bytes("85E813540F0AB405")[...]) == Self.bytes("0123456789ABCDEF"))
    }

    @Test("3DES with three equal keys decrypts like single DES")
    func tripleDESDegeneratesToDES() throws {
        let key = Self.bytes("133457799BBCDFF1")
        let tripleDES = try TripleDES(key: key + key + key)
        #expect(tripleDES.decryptBlock(Self.bytes("85E813540F0AB405")[...]) == Self.bytes("0123456789ABCDEF"))
    }

    @Test("RC2 decrypts the RFC 2268 known-answer vectors", arguments: LegacyCipherTests.rfc2268Vectors)
    func rc2KnownAnswer(_ vector: RC2Vector) throws {
        let rc2 = try RC2(key: Self.bytes(vector.key), effectiveKeyBits: vector.effectiveKeyBits)
        #expect(rc2.decryptBlock(Self.bytes(vector.ciphertext)[...]) == Self.bytes(vector.plaintext))
    }

    @Test("RC4 reproduces the classic Key/Plaintext vector")
    func rc4KnownAnswer() {
        let ciphertext = RC4.apply(key: Array("Key".utf8), to: Array("Plaintext".utf8))
        #expect(ciphertext == Self.bytes("BBF316E8D940AF0AD3"))
        #expect(RC4.apply(key: Array("Key".utf8), to: ciphertext) == Array("Plaintext".utf8))
    }

    @Test("RC2 parameter versions map to their effective key bits")
    func rc2ParameterVersions() {
        #expect(RC2.effectiveKeyBits(fromVersion: 160) == 40)
        #expect(RC2.effectiveKeyBits(fromVersion: 120) == 64)
        #expect(RC2.effectiveKeyBits(fromVersion: 58) == 128)
        #expect(RC2.effectiveKeyBits(fromVersion: 52) == 56)
        #expect(RC2.effectiveKeyBits(fromVersion: 256) == 256)
        #expect(RC2.effectiveKeyBits(fromVersion: 1024) == 1024)
        #expect(RC2.effectiveKeyBits(fromVersion: 1025) == nil)
        #expect(RC2.effectiveKeyBits(fromVersion: -1) == nil)
        // Version 0xBD encodes zero effective bits, which no RC2 key can have.
        #expect(RC2.effectiveKeyBits(fromVersion: 0xBD) == nil)
    }

    @Test("CBC decryption XORs each block with the previous ciphertext block")
    func cbcChaining() throws {
        let des = try DES(key: Self.bytes("133457799BBCDFF1"))
        let block = Self.bytes("85E813540F0AB405")
        let iv = Self.bytes("FFFFFFFFFFFFFFFF")
        let plaintext = try CBCDecryption.decrypt(block + block, cipher: des, iv: iv)
        let single = Self.bytes("0123456789ABCDEF")
        #expect(Array(plaintext[0..<8]) == zip(single, iv).map { $0 ^ $1 })
        #expect(Array(plaintext[8..<16]) == zip(single, block).map { $0 ^ $1 })
    }

    @Test("CBC rejects an IV that is not one block long")
    func cbcRejectsBadIV() throws {
        let des = try DES(key: Self.bytes("133457799BBCDFF1"))
        #expect(throws: LegacyCipherError.invalidIVLength) {
            try CBCDecryption.decrypt([UInt8](repeating: 0, count: 16), cipher: des, iv: [0, 1, 2])
        }
    }

    @Test("CBC rejects ciphertext that is not a whole number of blocks")
    func cbcRejectsPartialBlock() throws {
        let rc2 = try RC2(key: [1, 2, 3, 4, 5], effectiveKeyBits: 40)
        #expect(throws: LegacyCipherError.ciphertextNotBlockAligned) {
            try CBCDecryption.decrypt([UInt8](repeating: 0, count: 12), cipher: rc2, iv: [UInt8](repeating: 0, count: 8))
        }
    }

    @Test("Ciphers reject keys of unsupported lengths")
    func rejectsBadKeys() {
        #expect(throws: LegacyCipherError.invalidKeyLength) { try DES(key: [UInt8](repeating: 1, count: 7)) }
        #expect(throws: LegacyCipherError.invalidKeyLength) { try TripleDES(key: [UInt8](repeating: 1, count: 8)) }
        #expect(throws: LegacyCipherError.invalidKeyLength) { try TripleDES(key: [UInt8](repeating: 1, count: 32)) }
        #expect(throws: LegacyCipherError.invalidKeyLength) { try RC2(key: [], effectiveKeyBits: 40) }
        #expect(throws: LegacyCipherError.invalidKeyLength) { try RC2(key: [UInt8](repeating: 1, count: 129), effectiveKeyBits: 128) }
        #expect(throws: LegacyCipherError.invalidKeyLength) { try RC2(key: [1, 2, 3, 4, 5], effectiveKeyBits: 0) }
        #expect(throws: LegacyCipherError.invalidKeyLength) { try RC2(key: [1, 2, 3, 4, 5], effectiveKeyBits: 1025) }
    }

    // MARK: Cross-checks against openssl enc

    @Test("DES-CBC decrypts what openssl enc encrypted")
    func desCBCMatchesOpenSSL() throws {
        try Self.expectCBCDecryptsOpenSSLOutput(of: "-des-cbc", keyLength: 8, legacyProvider: true, seed: 1) {
            try DES(key: $0)
        }
    }

    @Test("3DES-CBC decrypts what openssl enc encrypted")
    func tripleDESCBCMatchesOpenSSL() throws {
        try Self.expectCBCDecryptsOpenSSLOutput(of: "-des-ede3-cbc", keyLength: 24, legacyProvider: false, seed: 2) {
            try TripleDES(key: $0)
        }
    }

    @Test("Two-key 3DES-CBC decrypts what openssl enc encrypted")
    func twoKeyTripleDESCBCMatchesOpenSSL() throws {
        try Self.expectCBCDecryptsOpenSSLOutput(of: "-des-ede-cbc", keyLength: 16, legacyProvider: false, seed: 3) {
            try TripleDES(key: $0)
        }
    }

    @Test("RC2-CBC with 40 effective key bits decrypts what openssl enc encrypted")
    func rc2With40BitsMatchesOpenSSL() throws {
        try Self.expectCBCDecryptsOpenSSLOutput(of: "-rc2-40-cbc", keyLength: 5, legacyProvider: true, seed: 4) {
            try RC2(key: $0, effectiveKeyBits: 40)
        }
    }

    @Test("RC2-CBC with 64 effective key bits decrypts what openssl enc encrypted")
    func rc2With64BitsMatchesOpenSSL() throws {
        try Self.expectCBCDecryptsOpenSSLOutput(of: "-rc2-64-cbc", keyLength: 8, legacyProvider: true, seed: 5) {
            try RC2(key: $0, effectiveKeyBits: 64)
        }
    }

    @Test("RC2-CBC with 128 effective key bits decrypts what openssl enc encrypted")
    func rc2With128BitsMatchesOpenSSL() throws {
        try Self.expectCBCDecryptsOpenSSLOutput(of: "-rc2-cbc", keyLength: 16, legacyProvider: true, seed: 6) {
            try RC2(key: $0, effectiveKeyBits: 128)
        }
    }

    @Test("RC4 decrypts what openssl enc encrypted with 128- and 40-bit keys")
    func rc4MatchesOpenSSL() throws {
        guard OpenSSL.isAvailable else { return }
        var generator = SeededGenerator(seed: 7)
        for (cipher, keyLength) in [("-rc4", 16), ("-rc4-40", 5)] {
            var cases = [(key: Array(1...UInt8(keyLength)), plaintext: Self.fixedPlaintext)]
            for _ in 0..<8 {
                let length = Int.random(in: 0...2048, using: &generator)
                cases.append((generator.bytes(keyLength), generator.bytes(length)))
            }
            for (key, plaintext) in cases {
                let ciphertext = try OpenSSL.enc(
                    [cipher, "-K", Self.hex(key)], legacyProvider: true, input: plaintext)
                #expect(Self.hex(RC4.apply(key: key, to: ciphertext)) == Self.hex(plaintext), "\(cipher) key \(Self.hex(key))")
            }
        }
    }

    // MARK: Helpers

    /// Encrypts a fixed plaintext and seeded random ones with `openssl enc <cipher> -nopad`
    /// and expects CBC decryption with the cipher built by `makeCipher` to return them.
    static func expectCBCDecryptsOpenSSLOutput<C: LegacyBlockDecryptor>(
        of cipher: String, keyLength: Int, legacyProvider: Bool, seed: UInt64,
        sourceLocation: SourceLocation = #_sourceLocation,
        makeCipher: ([UInt8]) throws -> C
    ) throws {
        guard OpenSSL.isAvailable else { return }
        var generator = SeededGenerator(seed: seed)
        var cases = [(key: Array(1...UInt8(keyLength)), iv: Self.bytes("0001020304050607"), plaintext: fixedPlaintext)]
        for _ in 0..<8 {
            let blocks = Int.random(in: 1...64, using: &generator)
            cases.append((generator.bytes(keyLength), generator.bytes(8), generator.bytes(8 * blocks)))
        }
        for (key, iv, plaintext) in cases {
            let ciphertext = try OpenSSL.enc(
                [cipher, "-K", hex(key), "-iv", hex(iv), "-nopad"], legacyProvider: legacyProvider, input: plaintext)
            let decrypted = try CBCDecryption.decrypt(ciphertext, cipher: makeCipher(key), iv: iv)
            #expect(hex(decrypted) == hex(plaintext), "\(cipher) key \(hex(key)) iv \(hex(iv))", sourceLocation: sourceLocation)
        }
    }

    /// Four blocks, so CBC chaining is exercised beyond the IV.
    static let fixedPlaintext = Array("Rollover reads PKCS#12 exports!!".utf8)

    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    struct RC2Vector: Sendable, CustomTestStringConvertible {
        let key: String
        let effectiveKeyBits: Int
        let plaintext: String
        let ciphertext: String
        var testDescription: String { "key \(key), \(effectiveKeyBits) effective bits" }
    }

    /// RFC 2268 section 5.
    static let rfc2268Vectors = [
        RC2Vector(key: "0000000000000000", effectiveKeyBits: 63,
                  plaintext: "0000000000000000", ciphertext: "ebb773f993278eff"),
        RC2Vector(key: "ffffffffffffffff", effectiveKeyBits: 64,
                  plaintext: "ffffffffffffffff", ciphertext: "278b27e42e2f0d49"),
        RC2Vector(key: "3000000000000000", effectiveKeyBits: 64,
                  plaintext: "1000000000000001", ciphertext: "30649edf9be7d2c2"),
        RC2Vector(key: "88", effectiveKeyBits: 64,
                  plaintext: "0000000000000000", ciphertext: "61a8a244adacccf0"),
        RC2Vector(key: "88bca90e90875a", effectiveKeyBits: 64,
                  plaintext: "0000000000000000", ciphertext: "6ccf4308974c267f"),
        RC2Vector(key: "88bca90e90875a7f0f79c384627bafb2", effectiveKeyBits: 64,
                  plaintext: "0000000000000000", ciphertext: "1a807d272bbe5db1"),
        RC2Vector(key: "88bca90e90875a7f0f79c384627bafb2", effectiveKeyBits: 128,
                  plaintext: "0000000000000000", ciphertext: "2269552ab0f85ca6"),
        RC2Vector(key: "88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e",
                  effectiveKeyBits: 129, plaintext: "0000000000000000", ciphertext: "5b78d3a43dfff1f1"),
    ]
}
