import Crypto
import SwiftASN1

/// The PKCS#12 key derivation of RFC 7292 appendix B.2, used by PBES1 bags and the classic MAC. No library on
/// this platform exposes it (NIOSSL hides BoringSSL's), so it lives here, on top of swift-crypto's hashes.
enum PKCS12KeyDerivation {
    enum Purpose: UInt8 {
        case key = 1
        case iv = 2
        case mac = 3
    }

    /// Upper bound on iterations: Firefox writes 600,000; more only ever comes from a damaged file.
    static let maximumIterations = 2_000_000

    /// The length comes from the cipher or the MAC that uses the key, never from the file. The cost, iterations ×
    /// hash outputs, is drawn from the session's budget before the first round, and the loop stops at the
    /// session's checkpoints.
    static func derive(
        _ purpose: Purpose, hash: PKCS12Digest, password: [UInt8], salt: [UInt8], iterations: Int, length: Int,
        session: ReadingSession
    ) throws(ReadFailure) -> [UInt8] {
        guard iterations >= 1, iterations <= maximumIterations else {
            throw .unsupported("the file asks for \(iterations) key-derivation iterations; Rollover accepts 1 to \(maximumIterations)")
        }
        let blocks = (length + hash.outputBytes - 1) / hash.outputBytes
        try session.spend(iterations: iterations, blocks: blocks, for: "the PKCS#12 key derivation")
        let v = hash.blockBytes
        let d = [UInt8](repeating: purpose.rawValue, count: v)
        var i = repeated(salt, toMultipleOf: v) + repeated(password, toMultipleOf: v)
        var output: [UInt8] = []
        while output.count < length {
            let a = try hash.iteratedDigest(d + i, iterations: iterations, checkpoint: session.checkpoint)
            output += a
            guard output.count < length else { break }
            let b = repeated(a, toLength: v)
            for blockStart in stride(from: 0, to: i.count, by: v) {
                var carry: UInt16 = 1
                for k in stride(from: v - 1, through: 0, by: -1) {
                    let sum = UInt16(i[blockStart + k]) + UInt16(b[k]) + carry
                    i[blockStart + k] = UInt8(sum & 0xFF)
                    carry = sum >> 8
                }
            }
        }
        return Array(output.prefix(length))
    }

    private static func repeated(_ bytes: [UInt8], toMultipleOf v: Int) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        return repeated(bytes, toLength: v * ((bytes.count + v - 1) / v))
    }

    private static func repeated(_ bytes: [UInt8], toLength length: Int) -> [UInt8] {
        (0..<length).map { bytes[$0 % bytes.count] }
    }
}
