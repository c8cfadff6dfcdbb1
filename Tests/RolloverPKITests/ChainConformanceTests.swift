// Runs two public path-validation suites from the shared corpus through the chain checks `rollover inspect`
// uses (Inspector → ChainVerification + CertificateChecks) and compares verdicts:
//   - x509test (`chains/x509test`, verdicts in `expected.txt`, as distributed with Botan);
//   - C2SP/x509-limbo (`limbo/limbo.json`, the 2023 file, its server-auth test cases).
// Rollover's verdict is "valid" when the report has no error except `no-private-key` (the suites give
// certificates only). Every disagreement must be listed below, with the reason it is accepted or the bug
// it comes from. The tests fail when the actual disagreements differ from the listed ones in either
// direction, so a fix and a regression both show.

import Foundation
import Testing
@testable import RolloverPKI

@Suite("Chain conformance")
struct ChainConformanceTests {
    // MARK: x509test

    /// x509test file → why Rollover's verdict differs from expected.txt's.
    ///
    /// Every x509test certificate, the root included, has an RSA-1024 key and a SHA-1 signature (the suite dates
    /// from 2016). swift-certificates cannot load RSA keys under 2048 bits, so for these files ChainVerification
    /// never runs and every verdict Rollover gives rests on `weak-key`/`weak-signature`, plus `hostname-mismatch`
    /// where the name is only in the Common Name. The agreements on "invalid" say little about the chain checks.
    static let acceptedX509TestDisagreements: [String: String] = [
        "ValidAltName.pem":
            "x509test's certificates are RSA-1024 signed with SHA-1; Rollover refuses both by design (weak-key, weak-signature).",
        "ValidNameConstraint.pem":
            "x509test's certificates are RSA-1024 signed with SHA-1; Rollover refuses both by design (weak-key, weak-signature).",
        "ValidCert.pem":
            "RSA-1024 and SHA-1 are refused by design (weak-key, weak-signature), and www.tls.test is only in the Common Name, which Rollover deliberately ignores (subjectAltName only, as Apple and Chrome do).",
        "ValidChained.pem":
            "RSA-1024 and SHA-1 are refused by design (weak-key, weak-signature), and www.tls.test is only in the Common Name, which Rollover deliberately ignores (subjectAltName only, as Apple and Chrome do).",
        "ValidIntCALen.pem":
            "RSA-1024 and SHA-1 are refused by design (weak-key, weak-signature), and www.tls.test is only in the Common Name, which Rollover deliberately ignores (subjectAltName only, as Apple and Chrome do).",
        "ValidWildcard.pem":
            "RSA-1024 and SHA-1 are refused by design (weak-key, weak-signature), and the wildcard *.tls.test is only in the Common Name, which Rollover deliberately ignores (subjectAltName only).",
    ]

    /// Files in chains/x509test that expected.txt does not judge: Botan's own RFC 3779 (AS numbers, IP address
    /// blocks) and TNAuthList samples, kept in the same directory upstream. They are standalone self-issued
    /// certificates, not chains to root.pem, and are not x509test vectors, so they are not compared.
    static let notX509TestVectors: Set<String> = [
        "ASNumberCert.pem", "ASNumberInherit.pem", "ASNumberOnly.pem", "ASRdiOnly.pem",
        "IPAddrBlocksAll.pem", "IPAddrBlocksUnsorted.pem", "InvalidIPAddrBlocks.pem", "TNAuthList.pem",
    ]

    @Test("x509test chains get the verdicts x509test expects, except the listed deliberate differences")
    func x509testVerdicts() async throws {
        guard let corpus = Corpus.available() else { return }
        let directory = corpus.appendingPathComponent("chains/x509test")
        let root = try ConformanceCorpus.read(directory.appendingPathComponent("root.pem"))
        try #require(root.problems.isEmpty && root.certificates.count == 1, "root.pem: \(root.problems)")

        let expected = X509TestExpectations.parse(
            try String(contentsOf: directory.appendingPathComponent("expected.txt"), encoding: .utf8))
        #expect(expected.count == 37, "expected.txt lists \(expected.count) verdicts")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".pem") && $0 != "root.pem" }
        #expect(Set(files).subtracting(expected.keys) == Self.notX509TestVectors,
                "the .pem files in chains/x509test without a verdict in expected.txt changed")

        var options = InspectionOptions()
        options.trustedRoots = root.certificates
        options.addresses = ["www.tls.test"]
        options.at = try Date("2016-10-21T04:20:00Z", strategy: .iso8601)
        options.maxValidityDays = 1_000_000  // validity length is not what these vectors are about

        var disagreements: [String: ConformanceVerdict] = [:]
        var agreementsOnWeakCryptoAlone = 0
        for (file, verdict) in expected.sorted(by: { $0.key < $1.key }) {
            let contents = try ConformanceCorpus.read(directory.appendingPathComponent(file))
            #expect(contents.problems.isEmpty, "\(file): \(contents.problems)")
            let report = await Inspector.inspect([contents], options: options)
            // Each file holds the leaf first, then its chain.
            #expect(report.leaf == contents.certificates.first,
                    "\(file): the leaf chosen is \(report.leaf?.subject.description ?? "none"), not the file's first certificate")
            let ours = ConformanceVerdict(report)
            if ours.valid != verdict.valid {
                disagreements[file] = ours
            } else if !ours.valid, ours.errors.allSatisfy({ [.weakKey, .weakSignature].contains($0.code) }) {
                agreementsOnWeakCryptoAlone += 1
            }
        }

        let unexplained = Set(disagreements.keys).subtracting(Self.acceptedX509TestDisagreements.keys)
        for file in unexplained.sorted() {
            print("x509test: \(file) expected \(expected[file]?.reason ?? "?"); Rollover: \(disagreements[file]!)")
        }
        #expect(Set(disagreements.keys) == Set(Self.acceptedX509TestDisagreements.keys),
                """
                x509test disagreements not listed: \(unexplained.sorted()); \
                listed but now agreeing: \(Set(Self.acceptedX509TestDisagreements.keys).subtracting(disagreements.keys).sorted())
                """)
        print("""
            x509test: \(expected.count - disagreements.count) of \(expected.count) agree \
            (\(agreementsOnWeakCryptoAlone) of them only through weak-key/weak-signature: \
            every x509test certificate is RSA-1024/SHA-1, so the chain checks never run on these files)
            """)
    }

    // MARK: x509-limbo

    /// x509-limbo testcase id → why Rollover's verdict differs from `expected_result`, for differences that
    /// are deliberate or are known limits of the chain checks (swift-certificates' RFC5280Policy, which
    /// ChainVerification uses, and Rollover's own checks).
    static let acceptedLimboDisagreements: [String: String] = [
        // Verifier settings Rollover has no option for.
        "pathlen::max-chain-depth-0-exhausted":
            "max_chain_depth is a verifier setting Rollover has no option for; the chain itself breaks no pathLenConstraint.",
        "pathlen::max-chain-depth-1-exhausted":
            "max_chain_depth is a verifier setting Rollover has no option for; the chain itself breaks no pathLenConstraint.",

        // Deliberate: a self-signed root given in the files is trusted (InspectionOptions.trustedRoots).
        "rfc5280::chain-untrusted-root":
            "Rollover trusts a self-signed root that comes in the given files (the private CA it will hand to devices), so the root limbo passes as an untrusted intermediate anchors the chain.",

        // RFC 5280 profile rules that RFC5280Policy does not enforce and Rollover does not add.
        "rfc5280::aki::leaf-missing-aki":
            "RFC5280Policy does not require authorityKeyIdentifier (swift-certificates uses it only to sort candidate issuers), and Rollover does not check it.",
        "rfc5280::aki::intermediate-missing-aki":
            "RFC5280Policy does not require authorityKeyIdentifier (swift-certificates uses it only to sort candidate issuers), and Rollover does not check it.",
        "rfc5280::aki::cross-signed-root-missing-aki":
            "RFC5280Policy does not require authorityKeyIdentifier, here on a cross-signed trust anchor (limbo marks the case pedantic-rfc5280).",
        "rfc5280::ski::root-missing-ski":
            "RFC5280Policy does not require subjectKeyIdentifier in CA certificates, and Rollover does not check it.",
        "rfc5280::ski::intermediate-missing-ski":
            "RFC5280Policy does not require subjectKeyIdentifier in CA certificates, and Rollover does not check it.",
        "rfc5280::serial::too-long":
            "Neither swift-certificates nor Rollover's own certificate walk judges serial numbers; one longer than 20 octets is accepted (pedantic-serial-number).",
        "rfc5280::serial::zero":
            "Neither swift-certificates nor Rollover's own certificate walk judges serial numbers; a zero serial is accepted (pedantic-serial-number).",
        "rfc5280::root-non-critical-basic-constraints":
            "RFC5280Policy's basic-constraints check reads cA and pathLenConstraint but not whether the extension is marked critical.",
        "rfc5280::root-inconsistent-ca-extensions":
            "swift-certificates deliberately does not enforce keyUsage (as browsers, Go and webpki don't), so a root with cA=TRUE but no keyCertSign is accepted; Rollover does not check keyUsage either.",
        "rfc5280::leaf-ku-keycertsign":
            "swift-certificates deliberately does not enforce keyUsage, and Rollover does not check it, so keyCertSign on a cA=FALSE leaf is not refused.",
        "rfc5280::nc::not-allowed-in-ee-critical":
            "RFC5280Policy applies name constraints only to the certificates below the one that carries them, so nameConstraints in an end-entity certificate is ignored, not refused.",
        "rfc5280::nc::not-allowed-in-ee-noncritical":
            "RFC5280Policy applies name constraints only to the certificates below the one that carries them, so nameConstraints in an end-entity certificate is ignored, not refused.",
        "rfc5280::nc::permitted-dns-match-noncritical":
            "RFC5280Policy enforces the name constraints but not the rule that the extension be critical; limbo notes the chain is valid under the CA/Browser Forum profile.",
        "rfc5280::nc::permitted-dn-match":
            "swift-certificates refuses any directoryName name constraint (unsupported by design, limbo feature name-constraint-dn), and the leaf names example.com nowhere (its only subjectAltName is a directoryName), so hostname-mismatch is right as well.",
        "rfc5280::ca-empty-subject":
            "Neither RFC5280Policy nor Rollover checks that a CA certificate's subject is non-empty.",
        "rfc5280::ee-empty-issuer":
            "In this 2023 vector the empty issuer is on the trusted root (CN=empty-issuer), not on the end entity as described; trust anchors are taken as given, and no check refuses empty names.",
        "rfc5280::san::noncritical-with-empty-subject":
            "Neither RFC5280Policy nor Rollover checks that subjectAltName is critical when the subject is empty; the name matches, so the chain passes.",

        // CA/Browser Forum (webpki) profile rules: Rollover validates RFC 5280 paths, also for private CAs.
        "webpki::aki::root-with-aki-missing-keyidentifier":
            "A CA/Browser Forum rule for root certificates (7.1.2.1.3); Rollover takes trust anchors as given and does not apply the CA/B root profile.",
        "webpki::aki::root-with-aki-authoritycertissuer":
            "A CA/Browser Forum rule for root certificates (7.1.2.1.3); Rollover takes trust anchors as given and does not apply the CA/B root profile.",
        "webpki::aki::root-with-aki-authoritycertserialnumber":
            "A CA/Browser Forum rule for root certificates (7.1.2.1.3); Rollover takes trust anchors as given and does not apply the CA/B root profile.",
        "webpki::aki::root-with-aki-all-fields":
            "A CA/Browser Forum rule for root certificates (7.1.2.1.3); Rollover takes trust anchors as given and does not apply the CA/B root profile.",
        "webpki::aki::root-with-aki-ski-mismatch":
            "A CA/Browser Forum rule for root certificates (7.1.2.1.3); Rollover takes trust anchors as given and does not apply the CA/B root profile.",
        "webpki::eku::root-has-eku":
            "The CA/Browser Forum forbids extendedKeyUsage in roots, RFC 5280 does not; Rollover checks extendedKeyUsage on the leaf only (pedantic-webpki-eku).",
        "webpki::eku::ee-anyeku":
            "Rollover deliberately takes anyExtendedKeyUsage as allowing serverAuth (RFC 5280 4.2.1.12); the CA/Browser Forum forbids it in server certificates (pedantic-webpki-eku).",
        "pathlen::validation-ignores-pathlen-in-leaf":
            "The leaf is a CA certificate (cA=TRUE with pathLenConstraint 0); RFC 5280 allows that, but Rollover refuses a CA certificate as the server certificate, as the CA/Browser Forum (7.1.2.7.8) and webpki do (issue 16).",
        "webpki::malformed-aia":
            "An empty, non-critical authorityInfoAccess breaks only the CA/Browser Forum profile; neither swift-certificates nor Rollover reads that extension.",
        "webpki::nc::intermediate-permitted-excluded-subtrees-both-empty-sequences":
            "Empty permitted and excluded subtrees break only the CA/Browser Forum profile (7.1.2.5.2); under RFC5280Policy they constrain nothing.",
        "webpki::eku::ee-critical-eku":
            "RFC 5280 allows a critical extendedKeyUsage (only the CA/Browser Forum forbids it); Rollover enforces serverAuth itself.",
        "webpki::san::san-critical-with-nonempty-subject":
            "RFC 5280 only recommends a non-critical subjectAltName when the subject is not empty; Rollover checks the names itself.",
        "webpki::eku::ee-without-eku":
            "missing-server-auth is defined as an extendedKeyUsage without serverAuth; a leaf with no EKU at all is accepted (Apple devices refuse such certificates issued after 2019-07-01: a candidate warning, see the closing note).",

        // A gap in swift-certificates.
        "rfc5280::nc::permitted-self-issued":
            "swift-certificates' NameConstraintsPolicy applies the root's constraints to a self-issued intermediate, which RFC 5280 §4.2.1.10 exempts; a rare key-rollover layout.",
    ]

    @Test("x509-limbo server-auth cases get limbo's verdicts, except the listed deliberate differences and known gaps")
    func limboVerdicts() async throws {
        guard let corpus = Corpus.available() else { return }
        let limbo = try JSONDecoder().decode(
            Limbo.self, from: Data(contentsOf: corpus.appendingPathComponent("limbo/limbo.json")))
        let serverCases = limbo.testcases.filter { $0.validation_kind == "SERVER" }
        // Rollover's addresses are DNS names and IPs; an e-mail peer name cannot be expressed.
        let cases = serverCases.filter { $0.expected_peer_name?.kind != "RFC822" }
        #expect(cases.count == 135, "the 2023 limbo.json has 135 server-auth cases, all with a DNS or IP peer name")

        var disagreements: [String: (expected: String, ours: ConformanceVerdict)] = [:]
        for testcase in cases {
            let peer = FileReader.read(Array(testcase.peer_certificate.utf8), name: "peer_certificate", password: nil)
            let intermediates = testcase.untrusted_intermediates.enumerated().map { index, pem in
                FileReader.read(Array(pem.utf8), name: "untrusted_intermediates[\(index)]", password: nil)
            }
            var options = InspectionOptions()
            options.trustedRoots = testcase.trusted_certs.flatMap {
                FileReader.read(Array($0.utf8), name: "trusted_certs", password: nil).certificates
            }
            #expect(options.trustedRoots.count == testcase.trusted_certs.count, "\(testcase.id): a trusted certificate did not read")
            if let name = testcase.expected_peer_name { options.addresses = [name.value] }
            // Without a validation_time limbo validates at the current time; its generated certificates are
            // valid from 1970 to 2969, so the verdicts do not drift.
            if let time = testcase.validation_time { options.at = try Date(time, strategy: .iso8601) }
            options.maxValidityDays = 1_000_000  // limbo's generated certificates run for almost 1000 years

            let report = await Inspector.inspect([peer] + intermediates, options: options)
            // Without a key, Inspector must still choose the peer certificate as the leaf.
            if let leaf = peer.certificates.first {
                #expect(report.leaf == leaf,
                        "\(testcase.id): the leaf chosen is \(report.leaf?.subject.description ?? "none"), not the peer certificate")
            }
            let ours = ConformanceVerdict(report)
            if ours.valid != (testcase.expected_result == "SUCCESS") {
                disagreements[testcase.id] = (testcase.expected_result, ours)
            }
        }

        let listed = Set(Self.acceptedLimboDisagreements.keys)
        let unexplained = Set(disagreements.keys).subtracting(listed)
        for id in unexplained.sorted() {
            print("limbo: \(id) expected \(disagreements[id]!.expected); Rollover: \(disagreements[id]!.ours)")
        }
        #expect(Set(disagreements.keys) == listed,
                """
                limbo disagreements not listed: \(unexplained.sorted()); \
                listed but now agreeing: \(listed.subtracting(disagreements.keys).sorted())
                """)
        print("""
            limbo: \(cases.count - disagreements.count) of \(cases.count) agree \
            (\(Set(disagreements.keys).intersection(Self.acceptedLimboDisagreements.keys).count) accepted differences; \
            \(serverCases.count - cases.count) RFC822 cases skipped)
            """)
    }
}

// MARK: - Helpers

/// Rollover's verdict on a chain: valid when the report has no error but the missing private key.
private struct ConformanceVerdict: CustomStringConvertible {
    var errors: [Problem]
    var chain: [String]
    var valid: Bool { errors.isEmpty }

    init(_ report: InspectionReport) {
        errors = report.errors.filter { $0.code != .noPrivateKey }
        chain = report.chain.map(\.subject.description)
    }

    var description: String {
        let verdict = valid ? "valid" : "invalid (" + errors.map { "\($0.code.rawValue): \($0.message)" }.joined(separator: " | ") + ")"
        return verdict + "; chain: " + chain.map { $0.isEmpty ? "<empty>" : $0 }.joined(separator: " <- ")
    }
}

/// expected.txt: one `File.pem:Reason` line per vector, "Verified" for the valid ones.
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

/// The fields of x509-limbo's `limbo.json` these tests read (names as in its schema).
private struct Limbo: Decodable {
    struct PeerName: Decodable {
        var kind: String
        var value: String
    }

    struct Testcase: Decodable {
        var id: String
        var validation_kind: String
        var trusted_certs: [String]
        var untrusted_intermediates: [String]
        var peer_certificate: String
        var validation_time: String?
        var expected_result: String
        var expected_peer_name: PeerName?
    }

    var testcases: [Testcase]
}

private enum ConformanceCorpus {
    static func read(_ url: URL) throws -> FileContents {
        FileReader.read(Array(try Data(contentsOf: url)), name: url.lastPathComponent, password: nil)
    }
}
