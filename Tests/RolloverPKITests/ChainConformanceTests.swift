// Runs two public path-validation suites from the shared corpus through the same chain checks
// `rollover inspect` uses (Inspector → ChainVerification + CertificateChecks) and compares verdicts:
//   - x509test (chains/x509test, verdicts in expected.txt, as distributed with Botan);
//   - C2SP/x509-limbo (limbo/limbo.json, the server-auth test cases).
// Every disagreement must be listed below with the reason it is accepted; the tests fail when the set of
// actual disagreements differs from the listed set in either direction, so both a fix and a regression show.

import Foundation
import Testing
@testable import RolloverPKI

@Suite("Chain conformance")
struct ChainConformanceTests {
    // MARK: Accepted disagreements

    /// x509test file name → why Rollover's verdict differs from the one in expected.txt.
    static let acceptedX509TestDisagreements: [String: String] = [:]

    /// x509-limbo testcase id → why Rollover's verdict differs from `expected_result`.
    static let acceptedLimboDisagreements: [String: String] = [:]

    // MARK: x509test

    @Test("x509test chains get the verdicts x509test expects, except the listed deliberate differences")
    func x509testVerdicts() async throws {
        guard let corpus = try ConformanceCorpus.locate() else { return }
        let directory = corpus.appendingPathComponent("chains/x509test")
        let root = try ConformanceCorpus.read(directory.appendingPathComponent("root.pem"))
        #expect(root.problems.isEmpty && root.certificates.count == 1, "root.pem: \(root.problems)")

        let expected = try X509TestExpectations.parse(
            String(contentsOf: directory.appendingPathComponent("expected.txt"), encoding: .utf8))
        #expect(expected.count == 37, "expected.txt lists \(expected.count) verdicts")

        // The directory also holds Botan's own RFC 3779 / TNAuthList extension samples, which are not
        // x509test vectors and have no verdict in expected.txt; make sure nothing else appears unjudged.
        let pemFiles = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".pem") && $0 != "root.pem" }
        let unjudged = Set(pemFiles).subtracting(expected.keys)
        #expect(unjudged == Self.notX509TestVectors, "files in chains/x509test without a verdict in expected.txt")

        var options = InspectionOptions()
        options.trustedRoots = root.certificates
        options.addresses = ["www.tls.test"]
        options.at = try Date("2016-10-21T04:20:00Z", strategy: .iso8601)
        options.maxValidityDays = 1_000_000  // validity length is not what these vectors test

        var disagreements: [String: String] = [:]
        for (file, verdict) in expected.sorted(by: { $0.key < $1.key }) {
            let contents = try ConformanceCorpus.read(directory.appendingPathComponent(file))
            let report = await Inspector.inspect([contents], options: options)
            // Each file holds the leaf first, then its chain.
            #expect(report.leaf == contents.certificates.first, "\(file): the leaf chosen is \(report.leaf?.subject.description ?? "none")")
            let ours = ConformanceVerdict(report)
            print("X509DBG \(file) [\(verdict.reason)] -> \(ours.errors.map(\.code.rawValue)) \(ours.warnings.map(\.code.rawValue)) chain \(ours.chain.count)")
            if ours.valid != verdict.valid {
                disagreements[file] = "expected \(verdict.reason); Rollover: \(ours)"
            }
        }
        for (file, detail) in disagreements.sorted(by: { $0.key < $1.key }) {
            print("x509test disagreement \(file): \(detail)")
        }
        #expect(Set(disagreements.keys) == Set(Self.acceptedX509TestDisagreements.keys),
                "new: \(Set(disagreements.keys).subtracting(Self.acceptedX509TestDisagreements.keys).sorted()); no longer: \(Set(Self.acceptedX509TestDisagreements.keys).subtracting(disagreements.keys).sorted())")
        print("x509test: \(expected.count - disagreements.count) of \(expected.count) agree")
    }

    /// Files in chains/x509test that x509test's expected.txt does not judge (Botan's own extension samples).
    static let notX509TestVectors: Set<String> = [
        "ASNumberCert.pem", "ASNumberInherit.pem", "ASNumberOnly.pem", "ASRdiOnly.pem",
        "IPAddrBlocksAll.pem", "IPAddrBlocksUnsorted.pem", "InvalidIPAddrBlocks.pem", "TNAuthList.pem",
    ]

    // MARK: x509-limbo

    @Test("x509-limbo server-auth cases get limbo's verdicts, except the listed deliberate differences and known gaps")
    func limboVerdicts() async throws {
        guard let corpus = try ConformanceCorpus.locate() else { return }
        let data = try Data(contentsOf: corpus.appendingPathComponent("limbo/limbo.json"))
        let limbo = try JSONDecoder().decode(Limbo.self, from: data)
        let cases = limbo.testcases.filter { $0.validation_kind == "SERVER" && $0.expected_peer_name?.kind != "RFC822" }
        #expect(cases.count == 135)

        var disagreements: [String: String] = [:]
        for testcase in cases {
            let peer = FileReader.read(Array(testcase.peer_certificate.utf8), name: "peer", password: nil)
            let intermediates = testcase.untrusted_intermediates.enumerated().map { index, pem in
                FileReader.read(Array(pem.utf8), name: "intermediate \(index)", password: nil)
            }
            var options = InspectionOptions()
            options.trustedRoots = testcase.trusted_certs.flatMap { FileReader.read(Array($0.utf8), name: "trusted", password: nil).certificates }
            if let name = testcase.expected_peer_name { options.addresses = [name.value] }
            // Limbo validates at the current time when no time is given; its generated certificates run 1970–2969.
            if let time = testcase.validation_time { options.at = try Date(time, strategy: .iso8601) }
            options.maxValidityDays = 1_000_000

            let report = await Inspector.inspect([peer] + intermediates, options: options)
            if let leaf = peer.certificates.first {
                #expect(report.leaf == leaf, "\(testcase.id): the leaf chosen is \(report.leaf?.subject.description ?? "none"), not the peer certificate")
            }
            let ours = ConformanceVerdict(report)
            print("LIMBODBG \(testcase.id) \(testcase.expected_result) -> \(ours.errors.map { "\($0.code.rawValue): \($0.message.prefix(160))" })")
            if ours.valid != (testcase.expected_result == "SUCCESS") {
                disagreements[testcase.id] = "expected \(testcase.expected_result) ; Rollover: \(ours)"
            }
        }
        for (id, detail) in disagreements.sorted(by: { $0.key < $1.key }) {
            print("limbo disagreement \(id): \(detail)")
        }
        #expect(Set(disagreements.keys) == Set(Self.acceptedLimboDisagreements.keys),
                "new: \(Set(disagreements.keys).subtracting(Self.acceptedLimboDisagreements.keys).sorted()); no longer: \(Set(Self.acceptedLimboDisagreements.keys).subtracting(disagreements.keys).sorted())")
        print("limbo: \(cases.count - disagreements.count) of \(cases.count) agree")
    }
}

// MARK: - Helpers

/// Rollover's verdict on a chain: valid when the report has no error but the missing private key (these
/// suites give certificates only).
private struct ConformanceVerdict: CustomStringConvertible {
    var errors: [Problem]
    var warnings: [Problem]
    var chain: [String]
    var valid: Bool { errors.isEmpty }

    init(_ report: InspectionReport) {
        errors = report.errors.filter { $0.code != .noPrivateKey }
        warnings = report.warnings
        chain = report.chain.map(\.subject.description)
    }

    var description: String {
        let verdict = valid ? "valid" : "invalid (" + errors.map { "\($0.code.rawValue): \($0.message)" }.joined(separator: " | ") + ")"
        let notes = warnings.map(\.code.rawValue)
        return verdict + (notes.isEmpty ? "" : ", warnings: \(notes.joined(separator: ", "))") + "; chain: " + chain.joined(separator: " <- ")
    }
}

/// expected.txt: one `File.pem:Reason` line per vector; "Verified" means valid.
private enum X509TestExpectations {
    struct Verdict {
        var reason: String
        var valid: Bool { reason == "Verified" }
    }

    static func parse(_ text: String) -> [String: Verdict] {
        var verdicts: [String: Verdict] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let file = line[..<colon].trimmingCharacters(in: .whitespaces)
            verdicts[file] = Verdict(reason: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return verdicts
    }
}

/// The fields of x509-limbo's `limbo.json` these tests use.
private struct Limbo: Decodable {
    struct PeerName: Decodable {
        var kind: String
        var value: String
    }

    struct Testcase: Decodable {
        var id: String
        var features: [String]?
        var description: String
        var validation_kind: String
        var trusted_certs: [String]
        var untrusted_intermediates: [String]
        var peer_certificate: String
        var validation_time: String?
        var signature_algorithms: [String]?
        var key_usage: [String]?
        var extended_key_usage: [String]?
        var expected_result: String
        var expected_peer_name: PeerName?
        var max_chain_depth: Int?
    }

    var testcases: [Testcase]
}

/// The shared corpus at `<package root>/../shared/corpus`: missing fails under CI=true, otherwise skips.
private enum ConformanceCorpus {
    static func locate(filePath: String = #filePath) throws -> URL? {
        let root = URL(fileURLWithPath: filePath)
            .deletingLastPathComponent()  // RolloverPKITests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
        let corpus = root.appendingPathComponent("../shared/corpus").standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: corpus.path, isDirectory: &isDirectory), isDirectory.boolValue {
            return corpus
        }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("../shared/corpus not found at \(corpus.path); it is required under CI=true")
        } else {
            print("skipped: ../shared/corpus not found")
        }
        return nil
    }

    static func read(_ url: URL) throws -> FileContents {
        FileReader.read(Array(try Data(contentsOf: url)), name: url.lastPathComponent, password: nil)
    }
}

// TEMPORARY PROBE
@Test func zzProbeExpiredPath() async throws {
    struct L: Decodable { struct T: Decodable { var id: String; var trusted_certs: [String]; var untrusted_intermediates: [String]; var peer_certificate: String }; var testcases: [T] }
    let l = try JSONDecoder().decode(L.self, from: Data(contentsOf: URL(fileURLWithPath: "/work/shared/corpus/limbo/limbo.json")))
    let t = l.testcases.first { $0.id == "pathological::multiple-chains-expired-intermediate" }!
    for order in [t.untrusted_intermediates, t.untrusted_intermediates.reversed()] {
        var options = InspectionOptions()
        options.trustedRoots = t.trusted_certs.flatMap { FileReader.read(Array($0.utf8), name: "t", password: nil).certificates }
        options.addresses = ["example.com"]; options.maxValidityDays = 1_000_000
        let files = [FileReader.read(Array(t.peer_certificate.utf8), name: "p", password: nil)] + order.map { FileReader.read(Array($0.utf8), name: "i", password: nil) }
        let report = await Inspector.inspect(files, options: options)
        print("PROBE \(report.errors.map(\.code.rawValue)) chain \(report.chain.map { "\($0.subject) until \($0.notAfter)" })")
    }
}
