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

    static func derive(
        _ purpose: Purpose, hash: PKCS12Digest, password: [UInt8], salt: [UInt8], iterations: Int, length: Int
    ) throws(ReadFailure) -> [UInt8] {
        guard iterations >= 1, iterations <= maximumIterations else {
            throw .unsupported("the file asks for \(iterations) key-derivation iterations; Rollover accepts 1 to \(maximumIterations)")
        }
        let v = hash.blockBytes
        let d = [UInt8](repeating: purpose.rawValue, count: v)
        var i = repeated(salt, toMultipleOf: v) + repeated(password, toMultipleOf: v)
        var output: [UInt8] = []
        while output.count < length {
            let a = hash.iteratedDigest(d + i, iterations: iterations)
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

/// The digests PKCS#12 files use for their MAC and key derivation.
enum PKCS12Digest: Sendable {
    case sha1, sha256, sha384, sha512

    init(oid: SwiftASN1.ASN1ObjectIdentifier) throws(ReadFailure) {
        switch oid {
        case OID.sha1: self = .sha1
        case OID.sha256: self = .sha256
        case OID.sha384: self = .sha384
        case OID.sha512: self = .sha512
        default: throw .unsupported("the PKCS#12 integrity check uses the digest \(oid), which Rollover does not support; re-export with SHA-256")
        }
    }

    var blockBytes: Int {
        switch self {
        case .sha1, .sha256: 64
        case .sha384, .sha512: 128
        }
    }

    func digest(_ data: [UInt8]) -> [UInt8] {
        switch self {
        case .sha1: Array(Insecure.SHA1.hash(data: data))
        case .sha256: Array(SHA256.hash(data: data))
        case .sha384: Array(SHA384.hash(data: data))
        case .sha512: Array(SHA512.hash(data: data))
        }
    }

    /// H^n(data). The loop hashes digest to digest without arrays: Firefox asks for 600,000 rounds per key.
    func iteratedDigest(_ data: [UInt8], iterations: Int) -> [UInt8] {
        switch self {
        case .sha1: Self.iterate(Insecure.SHA1.self, data, iterations)
        case .sha256: Self.iterate(SHA256.self, data, iterations)
        case .sha384: Self.iterate(SHA384.self, data, iterations)
        case .sha512: Self.iterate(SHA512.self, data, iterations)
        }
    }

    private static func iterate<H: HashFunction>(_: H.Type, _ data: [UInt8], _ iterations: Int) -> [UInt8] {
        var digest = H.hash(data: data)
        for _ in 1..<max(iterations, 1) {
            digest = digest.withUnsafeBytes { H.hash(data: $0) }
        }
        return Array(digest)
    }

    func hmac(key: [UInt8], data: [UInt8]) -> [UInt8] {
        let key = SymmetricKey(data: key)
        switch self {
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: key))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
        case .sha384: return Array(HMAC<SHA384>.authenticationCode(for: data, using: key))
        case .sha512: return Array(HMAC<SHA512>.authenticationCode(for: data, using: key))
        }
    }

    var outputBytes: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }
}
