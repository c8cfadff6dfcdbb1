import Foundation
import Testing
@testable import RolloverPKI

/// Issue 16: an encrypted key block chooses its own key length and KDF cost. The length must fit the cipher
/// before anything is derived, and every derivation of one input draws from one budget.
@Suite("Key derivation bounds")
struct KeyDerivationBoundsTests {
    static func read(_ text: String, password: String = "pw", limits: ReadingLimits = .standard) -> (FileContents, ReadingSession) {
        let session = ReadingSession(limits: limits, shouldStop: { false })
        return (FileReader.read(Array(text.utf8), name: "key.pem", password: Password(password), session: session), session)
    }

    static func seconds(_ body: () -> Void) -> Double {
        let started = Date()
        body()
        return Date().timeIntervalSince(started)
    }

    @Test("a PBKDF2 key block asking for a 1,024-byte key is refused before deriving")
    func pbkdf2KeyLengthRefusedBeforeDeriving() {
        // 2,000,000 SHA-1 iterations for 52 output blocks would take minutes; refused at once.
        let algorithm = HostileDER.pbes2PBKDF2(iterations: 2_000_000, keyLength: 1024, prf: OID.hmacWithSHA1)
        let pem = HostileDER.pem(HostileDER.encryptedPrivateKeyInfo(algorithm: algorithm), label: "ENCRYPTED PRIVATE KEY")
        var result: (FileContents, ReadingSession)?
        let elapsed = Self.seconds { result = Self.read(pem) }
        let (contents, session) = result!
        #expect(contents.problems.map(\.code) == [.malformed])
        #expect(contents.problems.first?.message.contains("1024-byte key but the cipher takes 32 bytes; refused before deriving") == true)
        #expect(session.budget == ReadingLimits.standard.decryption, "nothing was drawn from the budget")
        #expect(elapsed < 5, "took \(elapsed) s")
    }

    @Test("a PKCS#12 bag asking for a 1,024-byte PBKDF2 key is refused before deriving")
    func pkcs12BagKeyLengthRefusedBeforeDeriving() {
        let algorithm = HostileDER.pbes2PBKDF2(iterations: 2_000_000, keyLength: 1024)
        let file = HostileDER.pkcs12(shroudedKeyBags: 1, algorithm: algorithm)
        var contents: FileContents?
        let elapsed = Self.seconds { contents = FileReader.read(file, name: "id.p12", password: Password("pw")) }
        #expect(contents?.problems.map(\.code) == [.malformed])
        #expect(contents?.problems.first?.message.contains("refused before deriving") == true)
        #expect(elapsed < 5, "took \(elapsed) s")
    }

    @Test("an scrypt key block asking for a 391-byte key is refused before deriving")
    func scryptKeyLengthRefusedBeforeDeriving() {
        // N=2^20, r=2, p=16 was inside the old limits and cost about 50 CPU-seconds.
        let algorithm = HostileDER.pbes2Scrypt(n: 1 << 20, r: 2, p: 16, keyLength: 391)
        let pem = HostileDER.pem(HostileDER.encryptedPrivateKeyInfo(algorithm: algorithm), label: "ENCRYPTED PRIVATE KEY")
        var result: (FileContents, ReadingSession)?
        let elapsed = Self.seconds { result = Self.read(pem) }
        #expect(result?.0.problems.map(\.code) == [.malformed])
        #expect(result?.0.problems.first?.message.contains("scrypt parameters ask for a 391-byte key") == true)
        #expect(elapsed < 5, "took \(elapsed) s")
    }

    @Test("scrypt parameters over the memory or the work bound are refused before deriving, naming the bound",
          arguments: [
            (1 << 20, 2, 16, "256 MiB of memory; Rollover allows 64 MiB"),
            (1 << 14, 16, 16, "N·r·p = 4,194,304, more than the 2,097,152 left"),
          ])
    func scryptCostRefused(n: Int, r: Int, p: Int, bound: String) {
        let algorithm = HostileDER.pbes2Scrypt(n: n, r: r, p: p, keyLength: 32)
        let pem = HostileDER.pem(HostileDER.encryptedPrivateKeyInfo(algorithm: algorithm), label: "ENCRYPTED PRIVATE KEY")
        var result: (FileContents, ReadingSession)?
        let elapsed = Self.seconds { result = Self.read(pem) }
        #expect(result?.0.problems.map(\.code) == [.unsupportedFormat])
        #expect(result?.0.problems.first?.message.contains(bound) == true, "\(result?.0.problems ?? [])")
        #expect(elapsed < 5, "took \(elapsed) s")
    }

    @Test("a PBMAC1 asking for a key longer than its HMAC block is refused before deriving")
    func pbmac1KeyLengthRefused() throws {
        // HMAC-SHA-256 hashes a key longer than 64 bytes down first: a 1,000-byte key only multiplies the work.
        let file = HostileDER.pfxWithPBMAC1(keyLength: 1000, iterations: 2_000_000)
        var contents: FileContents?
        let elapsed = Self.seconds { contents = FileReader.read(file, name: "mac.p12", password: Password("pw")) }
        #expect(contents?.problems.map(\.code) == [.malformed])
        #expect(contents?.problems.first?.message.contains("1000-byte key; HMAC with this hash takes at most 64") == true,
                "\(contents?.problems ?? [])")
        #expect(elapsed < 5, "took \(elapsed) s")
    }

    @Test("encrypted key blocks in one file draw from one budget: the blocks past it are refused without deriving")
    func blocksShareTheBudget() {
        let algorithm = HostileDER.pbes2PBKDF2(iterations: 1_000, keyLength: nil)
        let block = HostileDER.pem(HostileDER.encryptedPrivateKeyInfo(algorithm: algorithm), label: "ENCRYPTED PRIVATE KEY")
        let limits = ReadingLimits(decryption: DecryptionBudget(iterations: 3_500))
        let (contents, session) = Self.read(String(repeating: block, count: 10), limits: limits)
        // Three derivations of 1,000 iterations × 1 SHA-256 block fit; the fourth would not.
        #expect(session.budget.iterations == 500)
        #expect(Set(contents.problems.map(\.code)) == [.wrongPassword, .unsupportedFormat])
        #expect(contents.problems.contains { $0.message.contains("more than the 500 left of the 3,500 key-derivation iterations") })
    }

    @Test("the files of one input share one budget")
    func filesShareTheBudget() {
        let algorithm = HostileDER.pbes2PBKDF2(iterations: 1_000, keyLength: 32)
        let block = HostileDER.pem(HostileDER.encryptedPrivateKeyInfo(algorithm: algorithm), label: "ENCRYPTED PRIVATE KEY")
        let file = Array(String(repeating: block, count: 2).utf8)
        let limits = ReadingLimits(decryption: DecryptionBudget(iterations: 3_000))
        let contents = FileReader.read(
            [InputFile(name: "a.pem", bytes: file), InputFile(name: "b.pem", bytes: file)], password: Password("pw"), limits: limits)
        #expect(contents[0].problems.map(\.code) == [.wrongPassword])
        #expect(contents[1].problems.map(\.code) == [.wrongPassword, .unsupportedFormat], "\(contents[1].problems)")
    }

    @Test("a PKCS#12 with many encrypted bags cannot multiply the cost: each bag draws from the budget")
    func pkcs12BagsShareTheBudget() {
        // The PKCS#12 KDF for 3DES: key 24 bytes (2 SHA-1 blocks) and IV 8 bytes (1 block), 3,000 per bag.
        let file = HostileDER.pkcs12(shroudedKeyBags: 50, algorithm: HostileDER.pkcs12TripleDES(iterations: 1_000))
        let session = ReadingSession(limits: ReadingLimits(decryption: DecryptionBudget(iterations: 10_000)), shouldStop: { false })
        let contents = FileReader.read(file, name: "bags.p12", password: Password("pw"), session: session)
        #expect(session.budget.iterations == 1_000, "three bags derived, then the budget refused the rest")
        #expect(contents.problems.contains { $0.code == .unsupportedFormat && $0.message.contains("key-derivation iterations Rollover allows for one upload") })
    }

    @Test("the standard budget refuses the fifth derivation at the 2,000,000-iteration cap before it starts")
    func standardBudgetHoldsFourMaximalDerivations() throws {
        // Spending is checked arithmetically here: running four such derivations would take the test seconds.
        let session = ReadingSession(limits: .standard, shouldStop: { false })
        for _ in 0..<4 { try session.spend(iterations: 2_000_000, blocks: 1, for: "a derivation") }
        #expect(throws: ReadFailure.self) { try session.spend(iterations: 2_000_000, blocks: 1, for: "a derivation") }
        #expect(throws: ReadFailure.self) { try session.spend(iterations: Int.max, blocks: 2, for: "an overflowing derivation") }
    }
}
