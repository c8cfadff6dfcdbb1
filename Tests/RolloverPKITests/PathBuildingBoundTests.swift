import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
@testable import RolloverPKI

/// Issue 16: path building grew with the cube of the certificate count, and many same-named certificates or a
/// name-constraint explosion took 40 to 90 s before an answer. Each is now refused as `invalid-chain` well
/// under a second; these tests allow 5 s, since the machine is shared.
@Suite("Path building bounds")
struct PathBuildingBoundTests {
    static func timed(_ body: () async throws -> InspectionReport) async rethrows -> (InspectionReport, Double) {
        let started = Date()
        let report = try await body()
        return (report, Date().timeIntervalSince(started))
    }

    @Test("80 mutually signing certificates are refused as invalid-chain well under 5 s")
    func mutuallySigningCertificates() async throws {
        // 20 names in a ring, two keys per name, and each of them certified by both keys of the next name: every
        // certificate has two issuers that verify, so the simple paths double with every step (about 2^20).
        let names = (0..<20).map { "Ring CA \($0)" }
        let keys = names.map { _ in (0..<2).map { _ in Certificate.PrivateKey(P256.Signing.PrivateKey()) } }
        var ring: [CertificateFactory.Issued] = []
        for index in names.indices {
            let next = (index + 1) % names.count
            for key in keys[index] {
                for signer in keys[next] {
                    ring.append(try CertificateFactory.ca(names[index], issuerName: names[next], signer: signer, key: key))
                }
            }
        }
        #expect(ring.count == 80)
        let leaf = try CertificateFactory.server(dns: ["mdm.example.com"], issuer: CertificateFactory.Issued(certificate: ring[0].certificate, key: keys[0][0]))
        let unrelatedRoot = try CertificateFactory.ca("Unrelated Root")
        let (report, seconds) = await Self.timed { await CertificateFactory.inspect(leaf, chain: ring, root: unrelatedRoot) }
        #expect(report.errorCodes == [.invalidChain], "\(report.errors)")
        #expect(report.errors.first?.message.contains("path building was refused") == true)
        #expect(seconds < 5, "took \(seconds) s")
    }

    @Test("40 certificates with one subject and distinct keys are refused as invalid-chain well under 5 s")
    func sameSubjectDistinctKeys() async throws {
        let root = try CertificateFactory.ca("Root")
        var same: [CertificateFactory.Issued] = [try CertificateFactory.ca("Same CA", issuer: root)]
        for _ in 1..<40 { same.append(try CertificateFactory.ca("Same CA", issuer: same.last!, issuerName: "Same CA")) }
        let leaf = try CertificateFactory.server(dns: ["mdm.example.com"], issuer: same.last!)
        let (report, seconds) = await Self.timed { await CertificateFactory.inspect(leaf, chain: same, root: root) }
        #expect(report.errorCodes == [.invalidChain], "\(report.errors)")
        #expect(report.errors.first?.message.contains("40 certificates are named CN=Same CA, more than the 16") == true)
        #expect(seconds < 5, "took \(seconds) s")
    }

    @Test("a path of 12 certificates is refused as longer than 10")
    func pathLengthBounded() async throws {
        let root = try CertificateFactory.ca("Root")
        var chain: [CertificateFactory.Issued] = []
        for index in 0..<10 { chain.append(try CertificateFactory.ca("Intermediate \(index)", issuer: chain.last ?? root)) }
        let leaf = try CertificateFactory.server(dns: ["mdm.example.com"], issuer: chain.last!)
        let report = await CertificateFactory.inspect(leaf, chain: chain, root: root)
        #expect(report.errorCodes == [.invalidChain], "\(report.errors)")
        #expect(report.errors.first?.message.contains("the path has 12 certificates; Rollover accepts at most 10") == true)
    }

    @Test("a path of 10 certificates is within the bound")
    func pathLengthAtTheBound() async throws {
        let root = try CertificateFactory.ca("Root")
        var chain: [CertificateFactory.Issued] = []
        for index in 0..<8 { chain.append(try CertificateFactory.ca("Intermediate \(index)", issuer: chain.last ?? root)) }
        let leaf = try CertificateFactory.server(dns: ["mdm.example.com"], issuer: chain.last!)
        let report = await CertificateFactory.inspect(leaf, chain: chain, root: root)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.chain.count == 10)
    }

    @Test("a name-constraint explosion (600 constraints × 500 names) is refused as invalid-chain well under 5 s")
    func nameConstraintExplosion() async throws {
        let root = try CertificateFactory.ca("Root")
        let permitted = (0..<600).map { GeneralName.dnsName("zone\($0).example.com") }
        let intermediate = try CertificateFactory.ca(
            "Constrained CA", issuer: root, extra: [try CertificateFactory.nameConstraints(permitted: permitted)])
        let leaf = try CertificateFactory.server(dns: (0..<500).map { "host\($0).zone\($0).example.com" }, issuer: intermediate)
        let (report, seconds) = await Self.timed { await CertificateFactory.inspect(leaf, chain: [intermediate], root: root) }
        #expect(report.errorCodes == [.invalidChain], "\(report.errors)")
        #expect(report.errors.first?.message.contains("more than 262144 comparisons") == true, "\(report.errors)")
        #expect(seconds < 5, "took \(seconds) s")
    }
}
