import Foundation
import Testing
@testable import RolloverPKI

/// Issue 16: nothing bounded the number of blocks, bags or certificates per file. Each bound is refused with a
/// message that names it, and what came before the bound still counts.
@Suite("Block, bag and certificate bounds")
struct InputCountBoundsTests {
    /// The curve OpenSSL writes before an EC key: a block the reader skips, so only the count matters.
    static let ecParameters = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"

    @Test("a PEM file with 1,001 blocks is refused past the 1,000th, naming the bound")
    func pemBlocksBounded() {
        let contents = FileReader.read(Array(String(repeating: Self.ecParameters, count: 1_001).utf8), name: "many.pem", password: nil)
        #expect(contents.problems.map(\.code) == [.malformed])
        #expect(contents.problems.first?.message.contains("more than 1,000 PEM blocks") == true)
    }

    @Test("a PEM file with 1,000 blocks is within the bound")
    func pemBlocksAtTheBound() {
        let contents = FileReader.read(Array(String(repeating: Self.ecParameters, count: 1_000).utf8), name: "many.pem", password: nil)
        #expect(!contents.problems.contains { $0.message.contains("PEM blocks") })
    }

    @Test("a PKCS#12 file with 1,001 bags is refused, naming the bound")
    func pkcs12BagsBounded() {
        // One iteration each: the bag count is the bound under test, not the budget.
        let file = HostileDER.pkcs12(shroudedKeyBags: 1_001, algorithm: HostileDER.pkcs12TripleDES(iterations: 1))
        let contents = FileReader.read(file, name: "bags.p12", password: Password("pw"))
        #expect(contents.problems.map(\.code) == [.malformed])
        #expect(contents.problems.first?.message.contains("more than 1,000 bags") == true, "\(contents.problems)")
    }

    @Test("a PKCS#12 file with 65 safes is refused, naming the bound")
    func pkcs12SafesBounded() {
        let file = HostileDER.pfx(safes: Array(repeating: HostileDER.emptySafeContents, count: 65))
        let contents = FileReader.read(file, name: "safes.p12", password: nil)
        #expect(contents.problems.map(\.code) == [.malformed])
        #expect(contents.problems.first?.message.contains("65 safes; Rollover reads at most 64") == true)
        let within = FileReader.read(HostileDER.pfx(safes: Array(repeating: HostileDER.emptySafeContents, count: 64)), name: "safes.p12", password: nil)
        #expect(within.problems.isEmpty)
    }

    @Test("certificates past the bound of one input are refused once, and the ones before still count")
    func certificatesBounded() throws {
        let pki = try TestPKI()
        let bundle = Array(String(repeating: pki.root.pem + "\n", count: 3).utf8)
        let limits = ReadingLimits(maximumCertificates: 4)
        let contents = FileReader.read(
            [InputFile(name: "a.pem", bytes: bundle), InputFile(name: "b.pem", bytes: bundle)], password: nil, limits: limits)
        #expect(contents[0].certificates.count == 3 && contents[0].problems.isEmpty)
        #expect(contents[1].certificates.count == 1)
        #expect(contents[1].problems.map(\.code) == [.malformed])
        #expect(contents[1].problems.first?.message.contains("more than 4 certificates") == true)
    }

    @Test("an inspection of more certificates than its bound is refused before any chain is built")
    func inspectionCertificatesBounded() async throws {
        let pki = try TestPKI()
        let leaf = try pki.leaf()
        var options = InspectionOptions()
        options.maximumCertificates = 2
        let report = await TestPKI.inspect([leaf.pem, pki.intermediate.pem, pki.root.pem], options: options)
        #expect(report.errorCodes == [.malformed])
        #expect(report.errors.first?.message.contains("at most 2 at once") == true)
        #expect(report.chain.isEmpty)
    }
}
