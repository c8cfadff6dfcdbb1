import Foundation
import RolloverTestSupport
import Testing
import X509
@testable import RolloverPKI

/// The server's own CA and the signing requests, checked by openssl as well as by our own inspection.
@Suite("The server's CA and signing requests")
struct CertificateAuthorityTests {
    @Test("issued server certificates pass openssl verify for their host names and IPs, and inspect reports no error",
          arguments: [KeyType.ecP256, .rsa3072])
    func issuedCertificatesVerify(caKey: KeyType) async throws {
        guard OpenSSL.isAvailable else { return }
        let ca = try CertificateAuthority.createRoot(keyType: caKey)
        let key = try KeyType.ecP256.generate()
        let addresses = try ["mdm.example.com", "localhost", "127.0.0.1", "::1"].map(ConnectionAddress.init)
        let leaf = try ca.issueServerCertificate(for: addresses, publicKey: key.publicKey)

        let folder = try ScratchFolder()
        try folder.write("ca.pem", try ca.certificate.serializeAsPEM().pemString)
        try folder.write("leaf.pem", try leaf.serializeAsPEM().pemString)
        try folder.write("leaf.key", try key.serializeAsPEM().pemString)
        for check in [["-verify_hostname", "mdm.example.com"], ["-verify_hostname", "localhost"], ["-verify_ip", "127.0.0.1"], ["-verify_ip", "::1"]] {
            let output = try OpenSSL.run(["verify", "-CAfile", folder.path("ca.pem"), "-purpose", "sslserver"] + check + [folder.path("leaf.pem")])
            #expect(output.contains("OK"), "\(check): \(output)")
        }
        #expect(throws: OpenSSL.OpenSSLFailure.self) {
            try OpenSSL.run(["verify", "-CAfile", folder.path("ca.pem"), "-verify_hostname", "other.example.com", folder.path("leaf.pem")])
        }

        var options = InspectionOptions()
        options.addresses = addresses.map(\.description)
        let files = try ["leaf.pem", "leaf.key", "ca.pem"].map { FileReader.read(try folder.bytes($0), name: $0, password: nil) }
        var tenYearRoot = options
        tenYearRoot.maxValidityDays = 397
        let report = await Inspector.inspect(files, options: tenYearRoot)
        #expect(report.ok, "\(report.errors)")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
    }

    @Test("a server certificate never lives longer than the maximum, and serial numbers differ")
    func validityIsCapped() throws {
        let ca = try CertificateAuthority.createRoot()
        let key = try KeyType.ecP256.generate()
        let addresses = [try ConnectionAddress("mdm.example.com")]
        let certificate = try ca.issueServerCertificate(for: addresses, publicKey: key.publicKey, validityDays: 90, maximumValidityDays: 90)
        #expect(certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore) == 90 * 86_400)
        #expect(throws: AuthorityError.self) {
            try ca.issueServerCertificate(for: addresses, publicKey: key.publicKey, validityDays: 398)
        }
        #expect(throws: AuthorityError.self) {
            try ca.issueServerCertificate(for: addresses, publicKey: key.publicKey, validityDays: 200, maximumValidityDays: 100)
        }
        let serials = try (0..<20).map { _ in try ca.issueServerCertificate(for: addresses, publicKey: key.publicKey).serialNumber }
        #expect(Set(serials).count == 20)
    }

    @Test("addresses that no certificate could carry are refused")
    func badAddressesAreRefused() {
        for bad in ["", "exa mple.com", "-bad.example.com", "*.com", "a..b", "mdm.example.com/path"] {
            #expect(throws: AuthorityError.self, "\(bad)") { try ConnectionAddress(bad) }
        }
        #expect((try? ConnectionAddress("MDM.Example.COM.")) == .dns("mdm.example.com"))
        #expect((try? ConnectionAddress("10.0.0.5")) == .ip([10, 0, 0, 5]))
    }

    @Test("a signing request made here passes openssl req -verify, is signed by an openssl CA, and the result matches the key",
          arguments: [KeyType.ecP256, .rsa2048])
    func signingRequestRoundTrip(keyType: KeyType) async throws {
        guard OpenSSL.isAvailable else { return }
        let key = try keyType.generate()
        let subject = SigningRequestSubject(
            commonName: "mdm.example.com", country: try CountryCode("de"), organization: "Example GmbH",
            organizationalUnit: "IT", locality: "Berlin", state: "Berlin")
        let request = try SigningRequestBuilder.make(
            subject: subject, addresses: try ["mdm.example.com", "10.0.0.5"].map(ConnectionAddress.init), privateKey: key)
        let folder = try ScratchFolder()
        try folder.write("request.csr", try request.serializeAsPEM().pemString)
        let verified = try OpenSSL.run(["req", "-in", folder.path("request.csr"), "-verify", "-noout", "-text"])
        #expect(verified.contains("C = DE") && verified.contains("DNS:mdm.example.com") && verified.contains("IP Address:10.0.0.5"))

        try OpenSSL.run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                         "-keyout", folder.path("ca.key"), "-out", folder.path("ca.pem"), "-days", "30", "-subj", "/CN=Test CA"])
        try folder.write("extensions.cnf", "subjectAltName=DNS:mdm.example.com,IP:10.0.0.5\nextendedKeyUsage=serverAuth\n")
        try OpenSSL.run(["x509", "-req", "-in", folder.path("request.csr"), "-CA", folder.path("ca.pem"), "-CAkey", folder.path("ca.key"),
                         "-CAcreateserial", "-days", "90", "-extfile", folder.path("extensions.cnf"), "-out", folder.path("signed.pem")])
        var options = InspectionOptions()
        options.addresses = ["mdm.example.com", "10.0.0.5"]
        options.trustedRoots = FileReader.read(try folder.bytes("ca.pem"), name: "ca.pem", password: nil).certificates
        let keyFile = FileReader.read(Array(try key.serializeAsPEM().pemString.utf8), name: "pending.key", password: nil)
        let report = await Inspector.inspect([FileReader.read(try folder.bytes("signed.pem"), name: "signed.pem", password: nil), keyFile], options: options)
        #expect(report.ok, "\(report.errors)")
        #expect(report.key != nil)
    }
}
