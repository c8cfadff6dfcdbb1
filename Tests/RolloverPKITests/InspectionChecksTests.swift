import Foundation
import Testing
@testable import RolloverPKI

/// The checks of an inspection on certificates made in the test, one behaviour each.
@Suite("Inspection checks")
struct InspectionChecksTests {
    let pki: TestPKI
    init() throws { pki = try TestPKI() }

    func options(_ addresses: [String] = [], trusting roots: [TestPKI.Issued] = [], at: Date = Date()) -> InspectionOptions {
        var options = InspectionOptions()
        options.addresses = addresses
        options.at = at
        options.trustedRoots = roots.map { FileReader.read(Array($0.pem.utf8), name: "root", password: nil).certificates[0] }
        return options
    }

    @Test("a complete chain with its key, for the right addresses, imports without a problem")
    func completeChainImports() async throws {
        let leaf = try pki.leaf()
        let report = await TestPKI.inspect([pki.root.pem, leaf.keyPEM, pki.intermediate.pem, leaf.pem], options: options(["mdm.example.com", "10.0.0.5"]))
        #expect(report.ok, "\(report.errors)")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.chain.map(\.subject.description) == ["CN=ignored.example.com", "CN=Test Intermediate", "CN=Test Root"])
        #expect(report.key != nil)
    }

    @Test("a chain given in any order, in one bundle with a BOM, CRLF and subject= lines, is ordered leaf to root")
    func bundleInAnyOrder() async throws {
        let leaf = try pki.leaf()
        let bundle = "\u{FEFF}subject=CN=Test Root\n" + pki.root.pem + "\nissuer=x\n" + leaf.pem + "\n" + pki.intermediate.pem
        let crlf = bundle.replacingOccurrences(of: "\n", with: "\r\n")
        let report = await TestPKI.inspect([crlf, leaf.keyPEM])
        #expect(report.ok, "\(report.errors)")
        #expect(report.chain.count == 3)
        #expect(report.leaf?.der == (try leaf.certificate.serializeAsPEM().derBytes))
    }

    @Test("an address missing from the subjectAltName is a hostname-mismatch even when it is the Common Name")
    func commonNameDoesNotCount() async throws {
        let leaf = try pki.leaf()
        let report = await TestPKI.inspect([pki.root.pem, pki.intermediate.pem, leaf.pem, leaf.keyPEM], options: options(["ignored.example.com", "10.0.0.6"]))
        #expect(report.errorCodes == [.hostnameMismatch])
        #expect(report.errors.count == 2)
    }

    @Test("PEM blocks glued on one line by cat are still read apart")
    func gluedBlocks() async throws {
        let leaf = try pki.leaf()
        let report = await TestPKI.inspect([leaf.pem + pki.intermediate.pem + pki.root.pem, leaf.keyPEM])
        #expect(report.ok, "\(report.errors)")
        #expect(report.chain.count == 3)
    }

    @Test("a wildcard matches one label and no more")
    func wildcardMatchesOneLabel() async throws {
        let leaf = try pki.leaf(dnsNames: ["*.example.com"], ipAddresses: [])
        let files = [pki.root.pem, pki.intermediate.pem, leaf.pem, leaf.keyPEM]
        #expect(await TestPKI.inspect(files, options: options(["mdm.example.com"])).ok)
        #expect(await TestPKI.inspect(files, options: options(["a.b.example.com"])).errorCodes == [.hostnameMismatch])
        #expect(await TestPKI.inspect(files, options: options(["example.com"])).errorCodes == [.hostnameMismatch])
    }

    @Test("a missing intermediate is an incomplete-chain; a root from the trust store is a root-not-included warning")
    func missingIntermediateAndRoot() async throws {
        let leaf = try pki.leaf()
        let noIntermediate = await TestPKI.inspect([pki.root.pem, leaf.pem, leaf.keyPEM])
        #expect(noIntermediate.errorCodes == [.incompleteChain])
        let trustedRoot = await TestPKI.inspect([pki.intermediate.pem, leaf.pem, leaf.keyPEM], options: options(trusting: [pki.root]))
        #expect(trustedRoot.ok, "\(trustedRoot.errors)")
        #expect(trustedRoot.warningCodes == [.rootNotIncluded])
        #expect(trustedRoot.chain.count == 3 && trustedRoot.certificatesFromFiles == 2)
    }

    @Test("a key that belongs to another certificate is a key-mismatch; no key at all is no-private-key")
    func keyMismatch() async throws {
        let leaf = try pki.leaf()
        let other = try pki.leaf()
        #expect(await TestPKI.inspect([pki.root.pem, pki.intermediate.pem, leaf.pem, other.keyPEM]).errorCodes == [.keyMismatch])
        #expect(await TestPKI.inspect([pki.root.pem, pki.intermediate.pem, leaf.pem]).errorCodes == [.noPrivateKey])
    }

    @Test("expired, not yet valid, too long and soon expiring are told apart")
    func validityChecks() async throws {
        let leaf = try pki.leaf(days: 90)
        let files = [pki.root.pem, pki.intermediate.pem, leaf.pem, leaf.keyPEM]
        #expect(await TestPKI.inspect(files, options: options(at: Date(timeIntervalSinceNow: 86_400 * 120))).errorCodes == [.expired])
        #expect(await TestPKI.inspect(files, options: options(at: Date(timeIntervalSinceNow: -86_400 * 2))).errorCodes == [.notYetValid])
        #expect(await TestPKI.inspect(files, options: options(at: Date(timeIntervalSinceNow: 86_400 * 75))).warningCodes == [.expiresSoon])
        let long = try pki.leaf(days: 398)
        #expect(await TestPKI.inspect([pki.root.pem, pki.intermediate.pem, long.pem, long.keyPEM]).errorCodes == [.validityTooLong])
    }

    @Test("an extended key usage without serverAuth is missing-server-auth")
    func missingServerAuth() async throws {
        let leaf = try pki.leaf(serverAuth: false)
        #expect(await TestPKI.inspect([pki.root.pem, pki.intermediate.pem, leaf.pem, leaf.keyPEM]).errorCodes == [.missingServerAuth])
    }

    @Test("a self-signed leaf imports with a self-signed warning")
    func selfSignedLeafWarns() async throws {
        var tenYears = InspectionOptions()
        tenYears.maxValidityDays = 4000  // the test root lives ten years; validity is not what this test is about
        let report = await TestPKI.inspect([pki.root.pem, pki.root.keyPEM], options: tenYears)
        #expect(report.ok, "\(report.errors)")
        #expect(report.warningCodes == [.selfSigned])
    }

    @Test("all problems are reported at once, not only the first")
    func allProblemsAtOnce() async throws {
        let leaf = try pki.leaf(days: 500, serverAuth: false)
        let report = await TestPKI.inspect([leaf.pem], options: options(["wrong.example.com"]))
        #expect(report.errorCodes == [.noPrivateKey, .incompleteChain, .validityTooLong, .hostnameMismatch, .missingServerAuth])
    }

    @Test("the report never contains key material")
    func reportHidesKeys() async throws {
        let leaf = try pki.leaf()
        let report = await TestPKI.inspect([pki.root.pem, pki.intermediate.pem, leaf.pem, leaf.keyPEM])
        let rendered = report.text() + InspectionReportJSON(report).jsonString() + "\(report.key!)"
        let keyBase64 = leaf.keyPEM.split(separator: "\n").dropFirst().first.map(String.init) ?? "?"
        #expect(!rendered.contains(keyBase64))
        #expect(!rendered.contains("PRIVATE KEY"))
    }
}
