import Crypto
import SwiftASN1

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
    /// `checkpoint` runs every 65,536 rounds so a cancelled read stops inside a long derivation.
    func iteratedDigest(_ data: [UInt8], iterations: Int, checkpoint: () throws(ReadFailure) -> Void) throws(ReadFailure) -> [UInt8] {
        switch self {
        case .sha1: try Self.iterate(Insecure.SHA1.self, data, iterations, checkpoint)
        case .sha256: try Self.iterate(SHA256.self, data, iterations, checkpoint)
        case .sha384: try Self.iterate(SHA384.self, data, iterations, checkpoint)
        case .sha512: try Self.iterate(SHA512.self, data, iterations, checkpoint)
        }
    }

    private static func iterate<H: HashFunction>(
        _: H.Type, _ data: [UInt8], _ iterations: Int, _ checkpoint: () throws(ReadFailure) -> Void
    ) throws(ReadFailure) -> [UInt8] {
        var digest = H.hash(data: data)
        for round in 1..<max(iterations, 1) {
            if round & 0xFFFF == 0 { try checkpoint() }
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
