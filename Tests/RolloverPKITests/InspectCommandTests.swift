import Foundation
import RolloverTestSupport
import Testing
@testable import RolloverPKI

/// `rollover inspect` as a script sees it: exit status, one JSON object, passwords never on the command line.
@Suite("rollover inspect")
struct InspectCommandTests {
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> RolloverCLI.Outcome {
        try RolloverCLI.run(arguments, stdin: stdin, environment: environment)
    }

    /// A complete chain and key in a scratch folder.
    func writeChain(_ folder: ScratchFolder, pki: TestPKI) throws {
        let leaf = try pki.leaf()
        try folder.write("chain.pem", [leaf.pem, pki.intermediate.pem, pki.root.pem].joined(separator: "\n"))
        try folder.write("server.key", leaf.keyPEM)
    }

    @Test("an importable certificate exits 0 and --json prints exactly the documented object")
    func importableExitsZero() throws {
        try #require(FileManager.default.isExecutableFile(atPath: RolloverCLI.binary.path), "build the rollover executable first")
        let folder = try ScratchFolder()
        try writeChain(folder, pki: try TestPKI())
        let outcome = try Self.run(["inspect", folder.path("chain.pem"), folder.path("server.key"), "--address", "mdm.example.com", "--json"])
        #expect(outcome.status == 0, "\(outcome.output)\(outcome.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["ok", "errors", "warnings", "certificate"])
        #expect(object["ok"] as? Bool == true)
        let certificate = try #require(object["certificate"] as? [String: Any])
        #expect(Set(certificate.keys) == ["subject", "issuer", "sans", "notBefore", "notAfter", "sha256", "keyType", "keyBits", "signatureAlgorithm", "chainLength", "selfSigned"])
        #expect(certificate["sans"] as? [String] == ["mdm.example.com", "10.0.0.5"])
        #expect(certificate["keyType"] as? String == "ec" && certificate["keyBits"] as? Int == 256)
        #expect(certificate["chainLength"] as? Int == 3 && certificate["selfSigned"] as? Bool == false)
        #expect((certificate["notAfter"] as? String)?.hasSuffix("Z") == true)
        #expect((certificate["sha256"] as? String)?.count == 64)
    }

    @Test("a certificate that cannot be imported exits 1 and names each problem; nothing found prints certificate null")
    func refusedExitsOne() throws {
        let folder = try ScratchFolder()
        try writeChain(folder, pki: try TestPKI())
        let human = try Self.run(["inspect", folder.path("chain.pem"), "--address", "other.example.com"])
        #expect(human.status == 1)
        #expect(human.output.contains("[no-private-key]") && human.output.contains("[hostname-mismatch]"))
        try folder.write("junk.pem", "not a certificate")
        let junk = try Self.run(["inspect", folder.path("junk.pem"), "--json"])
        #expect(junk.status == 1)
        #expect(junk.output.contains("\"certificate\" : null"))
        #expect(junk.output.contains("\"code\" : \"malformed\""))
    }

    @Test("usage errors and unreadable paths exit 2")
    func usageErrorsExitTwo() throws {
        let folder = try ScratchFolder()
        #expect(try Self.run(["inspect", folder.path("missing.pem")]).status == 2)
        #expect(try Self.run(["inspect"]).status == 2)
        #expect(try Self.run(["inspect", "x.pem", "--at", "yesterday"]).status == 2)
        #expect(try Self.run(["inspect", "x.pem", "--password-env", "A", "--password-stdin"]).status == 2)
        #expect(try Self.run(["inspect", "x.pem", "--password", "secret"]).status == 2, "a password is never a command-line value")
    }

    @Test("passwords come from a file, an environment variable or standard input, and are never printed")
    func passwordSources() throws {
        guard OpenSSL.isAvailable else { return }
        let folder = try ScratchFolder()
        let pki = try TestPKI()
        try writeChain(folder, pki: pki)
        try OpenSSL.run(["pkcs12", "-export", "-inkey", folder.path("server.key"), "-in", folder.path("chain.pem"),
                         "-out", folder.path("id.pfx"), "-passout", "pass:Tr0ub4dor&3"])
        try folder.write("password.txt", "Tr0ub4dor&3\n")
        let pfx = folder.path("id.pfx")
        let fromFile = try Self.run(["inspect", pfx, "--password-file", folder.path("password.txt"), "--json"])
        let fromEnv = try Self.run(["inspect", pfx, "--password-env", "PFX_PASSWORD"], environment: ["PFX_PASSWORD": "Tr0ub4dor&3"])
        let fromStdin = try Self.run(["inspect", pfx, "--password-stdin"], stdin: "Tr0ub4dor&3\n")
        for outcome in [fromFile, fromEnv, fromStdin] {
            #expect(outcome.status == 0, "\(outcome.output)")
            #expect(!outcome.output.contains("Tr0ub4dor"))
        }
        let wrong = try Self.run(["inspect", pfx, "--password-env", "PFX_PASSWORD", "--json"], environment: ["PFX_PASSWORD": "guess"])
        #expect(wrong.status == 1)
        #expect(wrong.output.contains("\"wrong-password\""))
        try folder.write("empty.txt", "")
        #expect(try Self.run(["inspect", pfx, "--password-file", folder.path("empty.txt"), "--json"]).output.contains("\"wrong-password\""))
    }

    @Test("--at and --max-validity-days change the verdict as documented")
    func timeAndValidityOptions() throws {
        let folder = try ScratchFolder()
        try writeChain(folder, pki: try TestPKI())
        let files = [folder.path("chain.pem"), folder.path("server.key")]
        let later = try Self.run(["inspect"] + files + ["--at", "2099-01-01T00:00:00Z", "--json"])
        #expect(later.status == 1 && later.output.contains("\"expired\""))
        let strict = try Self.run(["inspect"] + files + ["--max-validity-days", "30", "--json"])
        #expect(strict.status == 1 && strict.output.contains("\"validity-too-long\""))
    }
}
