import Foundation
import RolloverTestSupport
import Testing
@testable import RolloverPKI

/// PKCS#12 and keys as real tools write them, generated with the openssl CLI in the test.
@Suite("Files written by OpenSSL")
struct LegacyFormatTests {
    /// Makes a key and a self-signed server certificate for mdm.example.com in `folder`.
    func makeIdentity(in folder: ScratchFolder, key: String = "rsa:2048", digest: String = "-sha256") throws {
        try OpenSSL.run([
            "req", "-x509", "-newkey", key, "-nodes", "-keyout", folder.path("key.pem"), "-out", folder.path("cert.pem"),
            "-days", "90", digest, "-subj", "/CN=mdm.example.com", "-addext", "subjectAltName=DNS:mdm.example.com",
            "-addext", "extendedKeyUsage=serverAuth",
        ])
    }

    @Test("PKCS#12 from OpenSSL 3 (AES-256), legacy 3DES/RC2-40, PBES2 AES-128, no MAC and Unicode passwords all import",
          arguments: [
            ("default AES-256", [String](), "s3cret"),
            ("legacy 3DES and RC2-40", ["-legacy"], "s3cret"),
            ("PBES2 AES-128 and AES-192", ["-keypbe", "AES-128-CBC", "-certpbe", "AES-192-CBC"], "s3cret"),
            ("SHA-512 MAC", ["-macalg", "sha512"], "s3cret"),
            ("no MAC", ["-nomac"], "s3cret"),
            ("Unicode password", [String](), "pässwörd 世界"),
            ("empty password", [String](), ""),
            ("legacy with empty password", ["-legacy"], ""),
          ])
    func pkcs12Variants(name: String, flags: [String], password: String) throws {
        guard OpenSSL.isAvailable else { return }
        let folder = try ScratchFolder()
        try makeIdentity(in: folder)
        try OpenSSL.run(["pkcs12", "-export", "-inkey", folder.path("key.pem"), "-in", folder.path("cert.pem"),
                         "-out", folder.path("id.p12"), "-passout", "env:P12PASS"] + flags, environment: ["P12PASS": password])
        let contents = FileReader.read(try folder.bytes("id.p12"), name: name, password: Password(password))
        #expect(contents.problems.isEmpty, "\(name): \(contents.problems)")
        #expect(contents.certificates.count == 1 && contents.privateKeys.count == 1)
        #expect(contents.privateKeys.first?.publicKey == (try contents.certificates.first?.publicKey.get()))

        let wrong = FileReader.read(try folder.bytes("id.p12"), name: name, password: Password(password + "x"))
        if !flags.contains("-nomac") || !password.isEmpty {
            #expect(wrong.problems.map(\.code).contains(.wrongPassword), "\(name): \(wrong.problems)")
        }
    }

    @Test("encrypted private keys: PKCS#8 PBES2 and PBES1 as PEM and DER, and the traditional Proc-Type form",
          arguments: [
            ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-outform", "PEM"],
            ["pkcs8", "-topk8", "-v2", "aes-128-cbc", "-outform", "DER"],
            ["pkcs8", "-topk8", "-v2", "des3", "-v2prf", "hmacWithSHA512", "-outform", "DER"],
            ["pkcs8", "-topk8", "-v1", "PBE-SHA1-3DES", "-outform", "PEM"],
            ["pkcs8", "-topk8", "-scrypt", "-outform", "PEM"],
            ["rsa", "-aes128", "-traditional"],
            ["rsa", "-des3", "-traditional"],
          ])
    func encryptedKeys(arguments: [String]) throws {
        guard OpenSSL.isAvailable else { return }
        let folder = try ScratchFolder()
        try makeIdentity(in: folder)
        let passFlag = arguments[0] == "pkcs8" ? ["-passout", "pass:key pass"] : ["-passout", "pass:key pass"]
        try OpenSSL.run(arguments + ["-in", folder.path("key.pem"), "-out", folder.path("enc.key")] + passFlag)
        let bytes = try folder.bytes("enc.key")
        let right = FileReader.read(bytes, name: "enc.key", password: Password("key pass"))
        #expect(right.problems.isEmpty && right.privateKeys.count == 1, "\(arguments): \(right.problems)")
        let wrong = FileReader.read(bytes, name: "enc.key", password: Password("nope"))
        #expect(wrong.problems.map(\.code) == [.wrongPassword], "\(arguments): \(wrong.problems)")
    }

    @Test("a 1024-bit RSA certificate is weak-key and a SHA-1 signature is weak-signature, not unreadable")
    func weakKeyAndSignature() async throws {
        guard OpenSSL.isAvailable else { return }
        let folder = try ScratchFolder()
        try makeIdentity(in: folder, key: "rsa:1024", digest: "-sha1")
        let files = try ["cert.pem", "key.pem"].map { FileReader.read(try folder.bytes($0), name: $0, password: nil) }
        let report = await Inspector.inspect(files, options: InspectionOptions())
        #expect(report.errorCodes == [.weakKey, .weakSignature], "\(report.errors)")
        #expect(report.warningCodes == [.selfSigned])
        #expect(InspectionReportJSON(report).certificate?.keyBits == 1024)
    }

    @Test("DSA and Ed448 keys are refused with unsupported-format and a sentence naming them")
    func unsupportedKeysAreNamed() throws {
        guard OpenSSL.isAvailable else { return }
        let folder = try ScratchFolder()
        try OpenSSL.run(["genpkey", "-algorithm", "ED448", "-out", folder.path("ed448.pem")])
        try OpenSSL.run(["genpkey", "-algorithm", "X25519", "-out", folder.path("x25519.pem")])
        for (file, name) in [("ed448.pem", "Ed448"), ("x25519.pem", "X25519")] {
            let contents = FileReader.read(try folder.bytes(file), name: file, password: nil)
            #expect(contents.problems.map(\.code) == [.unsupportedFormat])
            #expect(contents.problems.first?.message.contains(name) == true, "\(contents.problems)")
        }
    }
}
