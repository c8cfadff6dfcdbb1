/// Multiplication of big-endian unsigned magnitudes, just enough to check that an RSA key's primes multiply to
/// its modulus (swift-crypto refuses keys under 1024 bits, which must still be read to be reported as weak).
enum BigMagnitude {
    static func multiply(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        let x = limbs(a), y = limbs(b)
        var product = [UInt64](repeating: 0, count: x.count + y.count + 1)
        for (i, xi) in x.enumerated() {
            var carry: UInt64 = 0
            for (j, yj) in y.enumerated() {
                let t = UInt64(xi) * UInt64(yj) + product[i + j] + carry
                product[i + j] = t & 0xFFFF_FFFF
                carry = t >> 32
            }
            var k = i + y.count
            while carry != 0 {
                let t = product[k] + carry
                product[k] = t & 0xFFFF_FFFF
                carry = t >> 32
                k += 1
            }
        }
        var bytes: [UInt8] = []
        for limb in product.reversed() {
            bytes += [UInt8(limb >> 24 & 0xFF), UInt8(limb >> 16 & 0xFF), UInt8(limb >> 8 & 0xFF), UInt8(limb & 0xFF)]
        }
        return Array(bytes.drop(while: { $0 == 0 }))
    }

    /// Little-endian 32-bit limbs.
    private static func limbs(_ bytes: [UInt8]) -> [UInt32] {
        var result: [UInt32] = []
        var end = bytes.count
        while end > 0 {
            let start = max(0, end - 4)
            result.append(bytes[start..<end].reduce(0) { $0 << 8 | UInt32($1) })
            end = start
        }
        return result
    }
}
