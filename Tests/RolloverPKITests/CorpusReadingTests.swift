import Foundation
import Testing
@testable import RolloverPKI

/// Every file of the shared corpus goes through the reader and gets the outcome the manifest lists, except the
/// differences below, each decided on purpose.
@Suite("Reading the shared corpus")
struct CorpusReadingTests {
    /// Files the manifest marks readable that Rollover refuses, and why that is right for a TLS server.
    static let refusedAlthoughReadable: [String: String] = [
        "pkcs12/pkits/DSACACert.p12": "DSA keys are refused with unsupported-format: no TLS client negotiates DSA",
        "pkcs12/pkits/ValidDSASignaturesTest4EE.p12": "DSA keys are refused with unsupported-format",
        "keys/pyca/DER_Serialization/dsa.1024.der": "DSA keys are refused with unsupported-format",
        "keys/pyca/DER_Serialization/dsa.2048.der": "DSA keys are refused with unsupported-format",
        "keys/pyca/DER_Serialization/dsa.3072.der": "DSA keys are refused with unsupported-format",
        "keys/pyca/DER_Serialization/dsa_public_key.der": "DSA keys are refused with unsupported-format",
        "keys/pyca/DER_Serialization/unenc-dsa-pkcs8.der": "DSA keys are refused with unsupported-format",
        "keys/pyca/DER_Serialization/unenc-dsa-pkcs8.pub.der": "DSA keys are refused with unsupported-format",
        "keys/pyca/PEM_Serialization/dsa_private_key.pem": "DSA keys are refused with unsupported-format",
        "keys/pyca/PEM_Serialization/dsa_public_key.pem": "DSA keys are refused with unsupported-format",
        "keys/pyca/PKCS8/unenc-dsa-pkcs8.pem": "DSA keys are refused with unsupported-format",
        "keys/pyca/PKCS8/unenc-dsa-pkcs8.pub.pem": "DSA keys are refused with unsupported-format",
        "keys/pyca/Traditional_OpenSSL_Serialization/dsa.1024.pem": "DSA keys are refused with unsupported-format",
        "keys/pyca/Traditional_OpenSSL_Serialization/dsa.2048.pem": "DSA keys are refused with unsupported-format",
        "keys/pyca/Traditional_OpenSSL_Serialization/dsa.3072.pem": "DSA keys are refused with unsupported-format",
        "keys/rust-openssl/dsa.pem": "DSA keys are refused with unsupported-format",
        "keys/rustcrypto/pkcs8_x25519-priv.pem": "X25519 is a key-agreement key that cannot sign a handshake: unsupported-format",
        "keys/limbo-assets/explicit_curve_ca.key": "explicit curve parameters are refused with unsupported-format, as the issue asks",
        "keys/limbo-assets/explicit_curve_leaf.key": "explicit curve parameters are refused with unsupported-format, as the issue asks",
        "pkcs12/rustcrypto/example11.pfx": "its MAC uses BLAKE2b-512, which swift-crypto lacks: unsupported-format rather than an unverified file",
        "certs/pyca/custom/two_basic_constraints.pem": "RFC 5280 §4.2 forbids repeating an extension; swift-certificates refuses it and so do we (malformed)",
        "certs/pyca-current/cryptography.io.with_garbage.pem": "the certificate reads, but the file also holds a PRIVATE KEY block whose content is a URL: that block is reported malformed",
        "certs/pyca-current/cryptography.io.with_headers.pem": "the certificate reads, but the file also holds an encrypted key whose password nobody knows: wrong-password",
    ]

    /// Ambiguous entries (`parses: null`): what Rollover does, and why.
    static let ambiguousDecisions: [String: (reads: Bool, reason: String)] = [
        "pkcs12/botan/nesting_too_deep.pfx": (false, "nesting beyond 8 levels only comes from hostile files (Botan's own expectation)"),
        "pkcs12/botan/pfx_version_2.pfx": (false, "PKCS#12 has only version 3 (Botan's expectation)"),
        "pkcs12/botan/unknown_bag_crl.pfx": (true, "unknown bags are skipped; the file reads, empty (Botan's expectation)"),
        "pkcs12/botan/unknown_bag_secret.pfx": (true, "unknown bags are skipped; the file reads, empty (Botan's expectation)"),
        "pkcs12/sslmate/pbmac1-short-key-bypass.p12": (false, "a 1-byte PBMAC1 key is a forgery (go-pkcs12's expectation)"),
        "keys/pyca/PKCS8/ec_oid_not_in_reg_private_2.pkcs8.pem": (false, "explicit curve parameters: unsupported-format"),
        "keys/pyca/PKCS8/nodompar_private.pkcs8.pem": (false, "explicit curve parameters: unsupported-format"),
        "keys/pyca/PKCS8/private.pem": (false, "explicit curve parameters: unsupported-format"),
        "keys/pyca/public/PKCS1/dsa.pub.pem": (false, "DSA: unsupported-format"),
        "certs/pyca/custom/invalid_version.pem": (false, "X.509 version 4 does not exist: malformed"),
        "keys/rust-openssl/corrupted-rsa.pem": (false, "its primes do not multiply to its modulus: malformed, before any handshake"),
        "keys/rustcrypto/pkcs1_rsa2048-priv-3prime.pem": (true, "multi-prime RSA is valid PKCS#1 v2 and its primes multiply to the modulus"),
        "keys/rustcrypto/pkcs8_ed25519-priv-pkcs8v2.pem": (true, "OneAsymmetricKey v2 with its public key, which matches the seed"),
        "keys/rustcrypto/pkcs8_ed25519-encpriv-des-pbkdf2-sha256.der": (true, "single DES is weak, but reading an old key to replace it is the point"),
        "keys/rustcrypto/pem-rfc7468_chosen_header.pem": (true, "a traditional encrypted key with an extra header line; the headers that matter are there"),
        "certs/boringssl/unusual_tbs_critical_ber.pem": (false, "a BER boolean inside a DER certificate: swift-certificates refuses the extension"),
        "certs/boringssl/unusual_tbs_critical_false_not_omitted.pem": (false, "critical FALSE written out breaks DER; swift-certificates, which verifies chains, refuses it: malformed"),
        "certs/boringssl/unusual_tbs_uid_both.pem": (true, "unique identifiers are obsolete but allowed"),
        "certs/boringssl/unusual_tbs_uid_issuer.pem": (true, "unique identifiers are obsolete but allowed"),
        "certs/boringssl/unusual_tbs_uid_subject.pem": (true, "unique identifiers are obsolete but allowed"),
        "certs/boringssl/unusual_tbs_v1_not_omitted.pem": (true, "version v1 written out is harmless"),
        "certs/boringssl/unusual_tbs_wrong_attribute_order.pem": (false, "a SET OF out of DER order; swift-certificates, which verifies chains, refuses the name: malformed"),
        "certs/boringssl/pss_sha1_explicit.pem": (true, "the certificate reads; its SHA-1 signature is reported by the checks"),
        "certs/boringssl/pss_sha1_mgf1_syntax_error.pem": (true, "the certificate reads; the broken PSS parameters only matter to verification"),
        "certs/boringssl/pss_sha256_mgf1_syntax_error.pem": (true, "the certificate reads; the broken PSS parameters only matter to verification"),
        "certs/boringssl/pss_sha256_salt_overflow.pem": (true, "the certificate reads; the broken PSS parameters only matter to verification"),
        "chains/x509test/InvalidIntCAVersionTwo.pem": (true, "a v2 certificate is readable; the chain checks refuse it as a CA"),
        "keys/pyca-current/PKCS8/ec-invalid-version.pem": (false, "SEC1 requires version 1: malformed"),
        "keys/pyca-current/PKCS8/wrong-pem-delimiter-rsa.pem": (false, "BEGIN and END labels differ: malformed"),
        "keys/pyca-current/PEM_Serialization/rsa-bad-1025-q-is-2.pem": (false, "a prime of 2 makes the key worthless: malformed"),
        "keys/pyca-current/PEM_Serialization/ec_private_key_c2pnb163v1.pem": (false, "a binary curve no TLS client accepts: unsupported-format"),
        "certs/pyca-current/badasn1time.pem": (false, "a validity date that is not a valid time: malformed"),
        "certs/pyca-current/custom/invalid_utf8_common_name.pem": (true, "an invalid UTF-8 name is shown replaced; it does not make the certificate unreadable"),
    ]

    static let readingCodes: Set<ProblemCode> = [.malformed, .unsupportedFormat, .wrongPassword]
    static let kinds: Set<String> = ["pkcs12", "cert", "key", "crl", "csr", "pkcs7"]

    @Test("every corpus file gets the manifest's outcome, except the listed deliberate differences")
    func everyFileGetsItsOutcome() throws {
        var unexplained: [String] = []
        var slowest = (file: "", seconds: 0.0)
        for entry in try Corpus.entries() where Self.kinds.contains(entry.kind) {
            guard let expected = entry.expected else { continue }
            let started = Date()
            let contents = FileReader.read(try Corpus.bytes(entry.file), name: entry.file, password: entry.password.map(Password.init))
            let seconds = Date().timeIntervalSince(started)
            if seconds > slowest.seconds { slowest = (entry.file, seconds) }
            // A bound against hangs only: speed is measured by `rollover inspect` in a release build (see README).
            #expect(seconds < 60, "\(entry.file) took \(seconds) s")

            let refusal = contents.problems.first { Self.readingCodes.contains($0.code) }
            // For ambiguous entries the listing comes from tools that disagreed, so only the verdict is compared.
            let readsAsListed = refusal == nil && (Self.ambiguousDecisions[entry.file] != nil || matchesListing(contents, entry: entry))
            let expectedToRead: Bool
            if let decision = Self.ambiguousDecisions[entry.file] {
                expectedToRead = decision.reads
            } else if let parses = expected.parses {
                expectedToRead = parses && Self.refusedAlthoughReadable[entry.file] == nil
            } else {
                unexplained.append("\(entry.file): ambiguous in the manifest and not decided here")
                continue
            }
            if readsAsListed != expectedToRead {
                let what = refusal.map { "\($0.code.rawValue): \($0.message)" } ?? "read as \(summary(contents))"
                unexplained.append("\(entry.file): expected \(expectedToRead ? "to read" : "a refusal"), got \(what)")
            }
            if !expectedToRead, refusal == nil, !contents.problems.isEmpty {
                unexplained.append("\(entry.file): refused without a reading code: \(contents.problems)")
            }
        }
        print("corpus: slowest file \(slowest.file) in \(String(format: "%.3f", slowest.seconds)) s")
        #expect(unexplained.isEmpty, "\(unexplained.count) files differ:\n\(unexplained.joined(separator: "\n"))")
    }

    /// Whether what was read is what the manifest lists: certificate count, key presence, key type and size.
    private func matchesListing(_ contents: FileContents, entry: ManifestEntry) -> Bool {
        guard let expected = entry.expected else { return false }
        switch entry.kind {
        case "pkcs12":
            return contents.certificates.count == (expected.certs ?? 0) && !contents.privateKeys.isEmpty == (expected.has_key ?? false)
        case "cert":
            return contents.certificates.count == (expected.certs ?? 1)
        case "key":
            let algorithm = expected.key_kind == "public" ? contents.publicKeys.first : contents.privateKeys.first?.algorithm
            guard let algorithm else { return false }
            let type: String? = switch expected.key_type { case "RSA": "rsa"; case "EC": "ec"; case "Ed25519": "ed25519"; default: nil }
            return type == nil || (algorithm.keyType == type && (expected.key_bits == nil || algorithm.bits == expected.key_bits))
        default:
            return false  // CRLs, CSRs and PKCS#7 are never certificates to import
        }
    }

    private func summary(_ contents: FileContents) -> String {
        "\(contents.certificates.count) certificates, keys \(contents.privateKeys.map(\.description)), public keys \(contents.publicKeys.map(\.description))"
    }

    @Test("every deliberate difference still names a file of the corpus")
    func listedDifferencesExist() throws {
        let files = Set(try Corpus.entries().map(\.file))
        guard !files.isEmpty else { return }
        for file in Array(Self.refusedAlthoughReadable.keys) + Array(Self.ambiguousDecisions.keys) {
            #expect(files.contains(file), "\(file) is listed but not in the manifest")
        }
    }
}
