// DES and Triple-DES (FIPS 46-3), decrypt-only: Windows, NSS and older OpenSSL still
// protect PKCS#12 bags and PEM/PKCS#8 keys with DES-CBC and DES-EDE3-CBC.

/// Single DES with one 8-byte key; the parity bits (the low bit of each byte) are ignored.
struct DES: LegacyBlockDecryptor {
    static let blockSize = 8
    private let schedule: DESKeySchedule

    init(key: [UInt8]) throws(LegacyCipherError) {
        guard key.count == 8 else { throw .invalidKeyLength }
        schedule = DESKeySchedule(key: key[...])
    }

    func decryptBlock(_ input: ArraySlice<UInt8>) -> [UInt8] {
        DESKeySchedule.bytes(of: schedule.decrypt(DESKeySchedule.word(from: input)))
    }
}

/// Triple DES in EDE mode: a 24-byte key is K1,K2,K3; a 16-byte key is the two-key form K1,K2,K1.
struct TripleDES: LegacyBlockDecryptor {
    static let blockSize = 8
    private let first: DESKeySchedule
    private let second: DESKeySchedule
    private let third: DESKeySchedule

    init(key: [UInt8]) throws(LegacyCipherError) {
        guard key.count == 24 || key.count == 16 else { throw .invalidKeyLength }
        first = DESKeySchedule(key: key[0..<8])
        second = DESKeySchedule(key: key[8..<16])
        third = key.count == 24 ? DESKeySchedule(key: key[16..<24]) : first
    }

    func decryptBlock(_ input: ArraySlice<UInt8>) -> [UInt8] {
        // Encryption is E(K3, D(K2, E(K1, p))), so decryption undoes it from the outside in.
        let block = DESKeySchedule.word(from: input)
        return DESKeySchedule.bytes(of: first.decrypt(second.encrypt(third.decrypt(block))))
    }
}

/// The 16 round keys derived from one DES key, and the Feistel network that uses them.
private struct DESKeySchedule: Sendable {
    /// 48-bit round keys, round 1 first.
    private let roundKeys: [UInt64]

    init(key: ArraySlice<UInt8>) {
        let selected = Self.permute(Self.word(from: key), inputWidth: 64, table: Self.permutedChoice1)
        var c = UInt32(truncatingIfNeeded: selected >> 28)
        var d = UInt32(truncatingIfNeeded: selected) & 0x0FFF_FFFF
        var keys: [UInt64] = []
        keys.reserveCapacity(16)
        for shift in Self.keyShifts {
            c = Self.rotate28(c, left: shift)
            d = Self.rotate28(d, left: shift)
            let halves = UInt64(c) << 28 | UInt64(d)
            keys.append(Self.permute(halves, inputWidth: 56, table: Self.permutedChoice2))
        }
        roundKeys = keys
    }

    func encrypt(_ block: UInt64) -> UInt64 { run(block, decrypting: false) }
    func decrypt(_ block: UInt64) -> UInt64 { run(block, decrypting: true) }

    private func run(_ block: UInt64, decrypting: Bool) -> UInt64 {
        let permuted = Self.permute(block, inputWidth: 64, table: Self.initialPermutation)
        var left = UInt32(truncatingIfNeeded: permuted >> 32)
        var right = UInt32(truncatingIfNeeded: permuted)
        for round in 0..<16 {
            let key = roundKeys[decrypting ? 15 - round : round]
            (left, right) = (right, left ^ Self.feistel(right, key))
        }
        // The last round does not swap its halves: the pre-output block is R16 L16.
        let preOutput = UInt64(right) << 32 | UInt64(left)
        return Self.permute(preOutput, inputWidth: 64, table: Self.finalPermutation)
    }

    /// The cipher function f(R, K) = P(S(E(R) xor K)), with S and P fused into `spBoxes`.
    private static func feistel(_ right: UInt32, _ key: UInt64) -> UInt32 {
        // E hands S-box n the bits 4n...4n+5 of R (1-based, wrapping 0 to 32 and 33 to 1):
        // padding R with its last bit in front and its first bit behind makes each group a shift.
        let padded = UInt64(right & 1) << 33 | UInt64(right) << 1 | UInt64(right >> 31)
        var output: UInt32 = 0
        for box in 0..<8 {
            let expanded = (padded >> (28 - 4 * box)) & 0x3F
            let keyBits = (key >> (42 - 6 * box)) & 0x3F
            output |= spBoxes[box << 6 | Int(expanded ^ keyBits)]
        }
        return output
    }

    /// For each S-box and 6-bit input, the box's 4-bit output moved to its place and through P.
    private static let spBoxes: [UInt32] = (0..<8).flatMap { box in
        (0..<64).map { input in
            // The outer two input bits pick the row, the inner four the column.
            let row = (input >> 4) & 0b10 | input & 1
            let column = (input >> 1) & 0xF
            let value = UInt64(sBoxes[box][row * 16 + column]) << (28 - 4 * box)
            return UInt32(truncatingIfNeeded: permute(value, inputWidth: 32, table: permutation))
        }
    }

    /// Applies a FIPS 46-3 selection table: output bit i is input bit table[i], both
    /// counted from 1 at the most significant end, as the standard numbers them.
    private static func permute(_ input: UInt64, inputWidth: Int, table: [UInt8]) -> UInt64 {
        var output: UInt64 = 0
        for position in table {
            output = output << 1 | (input >> (inputWidth - Int(position))) & 1
        }
        return output
    }

    private static func rotate28(_ value: UInt32, left shift: Int) -> UInt32 {
        (value << shift | value >> (28 - shift)) & 0x0FFF_FFFF
    }

    static func word(from bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func bytes(of word: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: word >> (56 - 8 * $0)) }
    }

    // MARK: FIPS 46-3 tables

    private static let initialPermutation: [UInt8] = [
        58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4,
        62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
        57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
        61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
    ]

    private static let finalPermutation: [UInt8] = [
        40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31,
        38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29,
        36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27,
        34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25,
    ]

    private static let permutation: [UInt8] = [
        16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
        2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
    ]

    private static let permutedChoice1: [UInt8] = [
        57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18,
        10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
        63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22,
        14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
    ]

    private static let permutedChoice2: [UInt8] = [
        14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10,
        23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
        41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48,
        44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
    ]

    private static let keyShifts = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1]

    /// S1...S8, each as four rows of sixteen.
    private static let sBoxes: [[UInt8]] = [
        [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7,
         0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
         4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0,
         15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
        [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10,
         3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
         0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15,
         13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
        [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8,
         13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
         13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7,
         1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
        [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15,
         13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
         10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4,
         3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
        [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9,
         14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
         4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14,
         11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
        [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11,
         10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
         9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6,
         4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
        [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1,
         13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
         1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2,
         6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
        [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7,
         1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
         7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8,
         2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
    ]
}
