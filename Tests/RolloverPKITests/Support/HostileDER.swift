import Foundation
import SwiftASN1
@testable import RolloverPKI

/// Encrypted structures built by hand with SwiftASN1, with the parameters an attacker chooses (key lengths,
/// iteration counts, scrypt costs, bag counts) that no tool would write. The ciphertext is noise: these tests are
/// about what happens before and instead of a decryption.
enum HostileDER {
    /// AlgorithmIdentifier { pbes2, PBES2-params { PBKDF2 { salt, iterations, keyLength?, prf }, AES-256-CBC { iv } } }
    static func pbes2PBKDF2(iterations: Int, keyLength: Int?, prf: ASN1ObjectIdentifier = OID.hmacWithSHA256) -> [UInt8] {
        algorithm(OID.pbes2) { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(OID.pbkdf2)
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(repeating: 7, count: 16)))
                        try coder.serialize(iterations)
                        if let keyLength { try coder.serialize(keyLength) }
                        try coder.appendConstructedNode(identifier: .sequence) { coder in
                            try coder.serialize(prf)
                            try coder.serialize(ASN1Null())
                        }
                    }
                }
                try aes256(&coder)
            }
        }
    }

    /// AlgorithmIdentifier { pbes2, PBES2-params { scrypt { salt, N, r, p, keyLength? }, AES-256-CBC { iv } } }
    static func pbes2Scrypt(n: Int, r: Int, p: Int, keyLength: Int?) -> [UInt8] {
        algorithm(OID.pbes2) { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(OID.scrypt)
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(repeating: 7, count: 16)))
                        try coder.serialize(n)
                        try coder.serialize(r)
                        try coder.serialize(p)
                        if let keyLength { try coder.serialize(keyLength) }
                    }
                }
                try aes256(&coder)
            }
        }
    }

    /// AlgorithmIdentifier { pbeWithSHAAnd3-KeyTripleDES-CBC, { salt, iterations } }: the PKCS#12 KDF.
    static func pkcs12TripleDES(iterations: Int) -> [UInt8] {
        algorithm(OID.pbeSHA1TripleDES) { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(repeating: 7, count: 8)))
                try coder.serialize(iterations)
            }
        }
    }

    /// EncryptedPrivateKeyInfo { algorithm, encryptedData } with 48 bytes of noise as the ciphertext.
    static func encryptedPrivateKeyInfo(algorithm: [UInt8]) -> [UInt8] {
        serialize { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                coder.serializeRawBytes(algorithm)
                try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(repeating: 0x5A, count: 48)))
            }
        }
    }

    static func pem(_ der: [UInt8], label: String) -> String {
        "-----BEGIN \(label)-----\n\(Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed]))\n-----END \(label)-----\n"
    }

    /// A PFX without a MAC whose one SafeContents holds `bags` shrouded key bags, each encrypted with `algorithm`.
    static func pkcs12(shroudedKeyBags bags: Int, algorithm: [UInt8]) -> [UInt8] {
        let key = encryptedPrivateKeyInfo(algorithm: algorithm)
        let safeContents = serialize { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                for _ in 0..<bags {
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(OID.pkcs8ShroudedKeyBag)
                        coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { coder in
                            coder.serializeRawBytes(key)
                        }
                    }
                }
            }
        }
        return pfx(safes: [safeContents])
    }

    /// A PFX without a MAC whose AuthenticatedSafe holds each of `safes` (SafeContents DER) as plain data.
    static func pfx(safes: [[UInt8]]) -> [UInt8] {
        let authenticatedSafe = serialize { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                for safe in safes { try dataContentInfo(safe, &coder) }
            }
        }
        return serialize { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(3)
                try dataContentInfo(authenticatedSafe, &coder)
            }
        }
    }

    /// A PFX with an empty AuthenticatedSafe and a PBMAC1 MacData (RFC 9579) whose PBKDF2 asks for `keyLength`:
    /// MacData { DigestInfo { PBMAC1 { PBKDF2 { salt, iterations, keyLength, SHA-256 }, HMAC-SHA-256 }, mac }, salt, 1 }
    static func pfxWithPBMAC1(keyLength: Int, iterations: Int) -> [UInt8] {
        let authenticatedSafe: [UInt8] = [0x30, 0x00]
        return serialize { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(3)
                try dataContentInfo(authenticatedSafe, &coder)
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.appendConstructedNode(identifier: .sequence) { coder in
                            try coder.serialize(OID.pbmac1)
                            try coder.appendConstructedNode(identifier: .sequence) { coder in
                                try coder.appendConstructedNode(identifier: .sequence) { coder in
                                    try coder.serialize(OID.pbkdf2)
                                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                                        try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(repeating: 7, count: 16)))
                                        try coder.serialize(iterations)
                                        try coder.serialize(keyLength)
                                        try coder.appendConstructedNode(identifier: .sequence) { coder in
                                            try coder.serialize(OID.hmacWithSHA256)
                                            try coder.serialize(ASN1Null())
                                        }
                                    }
                                }
                                try coder.appendConstructedNode(identifier: .sequence) { coder in
                                    try coder.serialize(OID.hmacWithSHA256)
                                    try coder.serialize(ASN1Null())
                                }
                            }
                        }
                        try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(repeating: 0, count: 32)))
                    }
                    try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(repeating: 9, count: 8)))
                    try coder.serialize(1)
                }
            }
        }
    }

    /// An empty SafeContents, the smallest safe there is.
    static let emptySafeContents: [UInt8] = [0x30, 0x00]

    private static func dataContentInfo(_ content: [UInt8], _ coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(OID.pkcs7Data)
            try coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { coder in
                try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(content)))
            }
        }
    }

    private static func aes256(_ coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(OID.aes256CBC)
            try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(repeating: 1, count: 16)))
        }
    }

    private static func algorithm(_ oid: ASN1ObjectIdentifier, parameters: (inout DER.Serializer) throws -> Void) -> [UInt8] {
        serialize { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(oid)
                try parameters(&coder)
            }
        }
    }

    private static func serialize(_ body: (inout DER.Serializer) throws -> Void) -> [UInt8] {
        var coder = DER.Serializer()
        // Only fixed, well-formed structures are built here; a failure is a bug in the test.
        try! body(&coder)
        return coder.serializedBytes
    }
}
