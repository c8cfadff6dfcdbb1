import Foundation
import Testing
import X509
@testable import RolloverPKI

/// swift-certificates' failure reasons print whole certificates; an administrator reading `rollover inspect`
/// needs to know which certificate, by subject.
@Suite("Chain failure messages")
struct ChainFailureMessageTests {
    @Test("a broken chain is explained by subject, without the certificates' whole debug descriptions")
    func readableFailure() async throws {
        let root = try CertificateFactory.ca("Root")
        let notCA = try CertificateFactory.make("Not a CA", issuer: root, extensions: [
            try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true),
        ])
        let leaf = try CertificateFactory.server(dns: ["mdm.example.com"], issuer: notCA)
        let report = await CertificateFactory.inspect(leaf, chain: [notCA], root: root)
        #expect(report.errorCodes == [.invalidChain], "\(report.errors)")
        let message = report.errors.first?.message ?? ""
        #expect(message.contains("\"CN=Not a CA\" is not marked as a CA"), "\(message)")
        #expect(!message.contains("Certificate(version"), "\(message)")
    }

    @Test("a certificate description left in a verifier's reason is cut down to 'a certificate'")
    func leftoverDescriptionsAreCut() {
        let reason = "CA Certificate(version: .v3, issuer: \"CN=x (y)\", extensions: (a, (b))) has maximum path length 0, but chain has 1 subCAs"
        #expect(ChainVerification.withoutCertificateDescriptions(reason) == "CA a certificate has maximum path length 0, but chain has 1 subCAs")
    }
}
