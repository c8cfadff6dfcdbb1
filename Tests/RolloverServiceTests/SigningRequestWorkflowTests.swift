import Foundation
import RolloverCore
import RolloverService
import RolloverTestSupport
import Testing

/// The CSR workflow end to end, as an administrator runs it: `rollover csr`, a CA signs, `rollover import`.
@Suite("Signing request workflow")
struct SigningRequestWorkflowTests {
    @Test("a request from rollover csr passes openssl req -verify, an openssl CA signs it, and it imports with the pending key")
    func requestSignImport() async throws {
        guard OpenSSL.isAvailable else { return }
        let folder = try ScratchFolder()
        let data = folder.path("data")
        let created = try RolloverCLI.run([
            "csr", "--data", data, "--common-name", "mdm.example.com", "--country", "de", "--organization", "Example GmbH",
            "--organizational-unit", "IT", "--locality", "Berlin", "--state", "Berlin",
            "--address", "mdm.example.com", "--address", "10.0.0.5", "--key-type", "rsa-2048", "--out", folder.path("request.csr"),
        ])
        #expect(created.status == 0, "\(created.output)\(created.errors)")
        let verified = try OpenSSL.run(["req", "-in", folder.path("request.csr"), "-verify", "-noout", "-text"])
        #expect(verified.contains("C = DE") && verified.contains("DNS:mdm.example.com") && verified.contains("IP Address:10.0.0.5"))

        try OpenSSL.run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", folder.path("ca.key"), "-out", folder.path("ca.pem"),
                         "-days", "30", "-subj", "/CN=Enterprise CA"])
        try folder.write("extensions.cnf", "subjectAltName=DNS:mdm.example.com,IP:10.0.0.5\nextendedKeyUsage=serverAuth\n")
        try OpenSSL.run(["x509", "-req", "-in", folder.path("request.csr"), "-CA", folder.path("ca.pem"), "-CAkey", folder.path("ca.key"),
                         "-CAcreateserial", "-days", "90", "-extfile", folder.path("extensions.cnf"), "-out", folder.path("signed.pem")])

        let listed = try RolloverCLI.run(["csr", "list", "--data", data, "--json"])
        #expect(listed.output.contains("\"subject\" : \"CN=mdm.example.com,OU=IT,O=Example GmbH,L=Berlin,ST=Berlin,C=DE\""), "\(listed.output)")
        let imported = try RolloverCLI.run(["import", "--data", data, folder.path("signed.pem"), folder.path("ca.pem"),
                                            "--address", "mdm.example.com", "--address", "10.0.0.5"])
        #expect(imported.status == 0, "\(imported.output)\(imported.errors)")
        #expect(imported.output.contains("private key held by Rollover") && imported.output.contains("answering signing request 1"))
        #expect(try RolloverCLI.run(["csr", "list", "--data", data]).output.contains("No pending signing requests"))
        let context = try await ServiceContext.open(dataFolder: data, environment: [:], actor: AuditActor("test"))
        #expect(try await context.store.certificates(in: .staged).last?.fromSigningRequest == true, "listed as source csr")
        try await context.store.close()
        let again = try RolloverCLI.run(["import", "--data", data, folder.path("signed.pem"), folder.path("ca.pem")])
        #expect(again.status == 1, "importing the same certificate twice is refused")
    }

    @Test("a wrong country code is refused before anything is made, with the code it probably meant")
    func countryIsChecked() throws {
        let folder = try ScratchFolder()
        let outcome = try RolloverCLI.run(["csr", "--data", folder.path("data"), "--common-name", "a.example.com", "--country", "UK",
                                           "--organization", "X", "--address", "a.example.com"])
        #expect(outcome.status == 2)
        #expect(outcome.errors.contains("\"GB\" (United Kingdom)"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("data")), "a refused request creates nothing")
    }

    @Test("a pending request can be shown again and deleted with its key; a certificate without key or request is refused")
    func showAndDelete() throws {
        guard OpenSSL.isAvailable else { return }
        let folder = try ScratchFolder()
        let data = folder.path("data")
        let created = try RolloverCLI.run(["csr", "--data", data, "--common-name", "a.example.com", "--country", "FR", "--organization", "X",
                                           "--address", "a.example.com"])
        #expect(created.output.hasPrefix("-----BEGIN CERTIFICATE REQUEST-----"))
        let shown = try RolloverCLI.run(["csr", "show", "1", "--data", data])
        #expect(shown.output.trimmingCharacters(in: .whitespacesAndNewlines) == created.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try RolloverCLI.run(["csr", "delete", "1", "--data", data]).status == 0)
        #expect(try RolloverCLI.run(["csr", "show", "1", "--data", data]).status != 0)

        try OpenSSL.run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", folder.path("k"),
                         "-out", folder.path("c.pem"), "-days", "30", "-subj", "/CN=a.example.com", "-addext", "subjectAltName=DNS:a.example.com"])
        let orphan = try RolloverCLI.run(["import", "--data", data, folder.path("c.pem"), "--json"])
        #expect(orphan.status == 1 && orphan.output.contains("\"no-private-key\""))
    }
}
