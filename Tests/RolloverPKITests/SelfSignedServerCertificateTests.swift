import Crypto
import Foundation
import RolloverTestSupport
import SwiftASN1
import Testing
import X509
@testable import RolloverPKI

/// The documented rule for a self-signed server certificate: importable, with the `self-signed` warning, since
/// devices pin it. `rollover inspect` refused the shape Windows' New-SelfSignedCertificate writes
/// (basicConstraints cA=FALSE) as `invalid-chain`, with the certificate's whole debug description as the message.
@Suite("Self-signed server certificates")
struct SelfSignedServerCertificateTests {
    /// Windows' shape: cA=FALSE, digitalSignature and keyEncipherment, clientAuth and serverAuth, the DNS name.
    static func windowsShape(basicConstraints: Bool) throws -> CertificateFactory.Issued {
        var extensions = [
            try Certificate.Extension(KeyUsage(digitalSignature: true, keyEncipherment: true), critical: true),
            try Certificate.Extension(ExtendedKeyUsage([.clientAuth, .serverAuth]), critical: false),
            try Certificate.Extension(SubjectAlternativeNames([.dnsName("mdm.example.com")]), critical: false),
        ]
        if basicConstraints {
            extensions.append(try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true))
        }
        return try CertificateFactory.make("mdm.example.com", days: 365, extensions: extensions)
    }

    @Test("a self-signed certificate with cA=FALSE, as Windows writes it, is importable with the self-signed warning",
          arguments: [true, false])
    func selfSignedNotCA(basicConstraints: Bool) async throws {
        let certificate = try Self.windowsShape(basicConstraints: basicConstraints)
        var options = InspectionOptions()
        options.addresses = ["mdm.example.com"]
        let report = await TestPKI.inspect([certificate.pem, certificate.keyPEM], options: options)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.warningCodes == [.selfSigned])
        #expect(report.chain.count == 1)
    }

    @Test("the same shape written by openssl (basicConstraints critical cA=FALSE) is importable with the self-signed warning")
    func selfSignedNotCAFromOpenSSL() async throws {
        guard OpenSSL.isAvailable else { return }
        let folder = try ScratchFolder()
        try OpenSSL.run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", folder.path("key.pem"), "-out", folder.path("cert.pem"), "-days", "365", "-subj", "/CN=mdm.example.com",
            "-addext", "basicConstraints=critical,CA:FALSE", "-addext", "subjectAltName=DNS:mdm.example.com",
            "-addext", "keyUsage=critical,digitalSignature,keyEncipherment", "-addext", "extendedKeyUsage=serverAuth,clientAuth",
        ])
        let files = try ["cert.pem", "key.pem"].map { FileReader.read(try folder.bytes($0), name: $0, password: nil) }
        var options = InspectionOptions()
        options.addresses = ["mdm.example.com"]
        let report = await Inspector.inspect(files, options: options)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.warningCodes == [.selfSigned])
    }

    @Test("a self-signed certificate with cA=TRUE, as openssl req -x509 writes it, is importable with the self-signed warning")
    func selfSignedCA() async throws {
        let certificate = try CertificateFactory.make("mdm.example.com", extensions: [
            try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true),
            try Certificate.Extension(SubjectAlternativeNames([.dnsName("mdm.example.com")]), critical: false),
        ])
        let report = await TestPKI.inspect([certificate.pem, certificate.keyPEM])
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.warningCodes == [.selfSigned])
    }

    @Test("a self-signed server certificate with a critical extension nobody enforces is still refused")
    func selfSignedWithUnknownCriticalExtension() async throws {
        let unknown = Certificate.Extension(oid: [1, 3, 6, 1, 4, 1, 99999, 1], critical: true, value: [0x05, 0x00])
        let certificate = try CertificateFactory.make("mdm.example.com", extensions: [
            try Certificate.Extension(SubjectAlternativeNames([.dnsName("mdm.example.com")]), critical: false), unknown,
        ])
        let report = await TestPKI.inspect([certificate.pem, certificate.keyPEM])
        #expect(report.errorCodes == [.invalidChain], "\(report.errors)")
        #expect(report.errors.first?.message.contains("marks extensions critical that Rollover cannot enforce") == true)
    }
}
