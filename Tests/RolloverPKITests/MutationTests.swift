import Foundation
import RolloverTestSupport
import Testing
@testable import RolloverPKI

/// Damaged input always ends in a report with codes: no crash, no hang.
@Suite("Mutated input")
struct MutationTests {
    static let seeds: [(file: String, password: String?)] = [
        ("pkcs12/pyca/cert-rc2-key-3des.p12", "cryptography"),
        ("pkcs12/pyca/cert-key-aes256cbc.p12", "cryptography"),
        ("pkcs12/boringssl/windows.p12", "foo"),
        ("pkcs12/rustcrypto/example7.pfx", "1234"),
        ("keys/pyca/PKCS8/enc2-rsa-pkcs8.pem", "baz"),
        ("keys/pyca/PEM_Serialization/ec_private_key_encrypted.pem", "123456"),
        ("keys/rustcrypto/sec1_p256-priv.der", nil),
        ("keys/rustcrypto/pkcs8_ed25519-priv-pkcs8v2.pem", nil),
        ("chains/limbo-online/amazon.com.chain.pem", nil),
        ("certs/pyca/cryptography.io.pem", nil),
    ]

    static let casesPerSeed = 300

    @Test("thousands of flipped, truncated and duplicated inputs each end in a report with codes")
    func mutatedInputEndsInReport() async throws {
        guard Corpus.available() != nil else { return }
        var generator = SeededGenerator(seed: 20261122)
        var cases = 0, refused = 0
        var slowest = 0.0
        for seed in Self.seeds {
            let original = try Corpus.bytes(seed.file)
            for _ in 0..<Self.casesPerSeed {
                let mutated = Self.mutate(original, using: &generator)
                let started = Date()
                let contents = FileReader.read(mutated, name: seed.file, password: seed.password.map(Password.init))
                let report = await Inspector.inspect([contents], options: InspectionOptions())
                slowest = max(slowest, Date().timeIntervalSince(started))
                cases += 1
                if !report.ok {
                    refused += 1
                    #expect(report.errors.allSatisfy { !$0.message.isEmpty })
                }
                #expect(report.ok || !report.errors.isEmpty)
            }
        }
        print("mutation: \(cases) cases, \(refused) refused with codes, slowest \(String(format: "%.3f", slowest)) s")
        #expect(slowest < 5, "a mutated file took \(slowest) s")
    }

    static func mutate(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = bytes
        guard !bytes.isEmpty else { return bytes }
        switch Int.random(in: 0..<4, using: &generator) {
        case 0:
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            }
        case 1:
            bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
        case 2:
            let start = Int.random(in: 0..<bytes.count, using: &generator)
            let end = min(bytes.count, start + Int.random(in: 1...64, using: &generator))
            bytes.insert(contentsOf: bytes[start..<end], at: start)
        default:
            bytes.insert(UInt8.random(in: 0...255, using: &generator), at: Int.random(in: 0...bytes.count, using: &generator))
        }
        return bytes
    }
}
