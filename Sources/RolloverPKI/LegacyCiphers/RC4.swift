// RC4, the stream cipher behind PKCS#12's pbeWithSHAAnd128BitRC4 / 40BitRC4, which some
// old exporters used for key bags.

/// RC4 keystream XOR; encrypting and decrypting are the same operation.
struct RC4 {
    /// - Precondition: `key` is not empty; PKCS#12 derives 5- or 16-byte RC4 keys.
    static func apply(key: [UInt8], to data: [UInt8]) -> [UInt8] {
        precondition(!key.isEmpty, "RC4 needs a key of at least one byte")
        var state = (0...255).map { UInt8($0) }
        var j = 0
        for i in 0..<256 {
            j = (j + Int(state[i]) + Int(key[i % key.count])) & 0xFF
            state.swapAt(i, j)
        }

        var output: [UInt8] = []
        output.reserveCapacity(data.count)
        var i = 0
        j = 0
        for byte in data {
            i = (i + 1) & 0xFF
            j = (j + Int(state[i])) & 0xFF
            state.swapAt(i, j)
            output.append(byte ^ state[(Int(state[i]) + Int(state[j])) & 0xFF])
        }
        return output
    }
}
