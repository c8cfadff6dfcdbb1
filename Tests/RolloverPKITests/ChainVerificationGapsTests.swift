import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
@testable import RolloverPKI

/// Issue 16: gaps in chain verification found with public path-validation suites, each closed with a chain made
/// here. Where a check could refuse too much, its passing twin is beside it.
@Suite("Chain verification gaps")
struct ChainVerificationGapsTests {
    typealias Factory = CertificateFactory

    /// Root → intermediate with the given extensions → server certificate with `names`.
    static func inspect(names: [GeneralName], intermediateExtensions: [Certificate.Extension]) async throws -> InspectionReport {
        let root = try Factory.ca("Root")
        let intermediate = try Factory.ca("Intermediate", issuer: root, extra: intermediateExtensions)
        let leaf = try Factory.server(names, issuer: intermediate)
        return await Factory.inspect(leaf, chain: [intermediate], root: root)
    }

    static func inspect(dns: [String], intermediateExtensions: [Certificate.Extension]) async throws -> InspectionReport {
        try await inspect(names: dns.map { .dnsName($0) }, intermediateExtensions: intermediateExtensions)
    }

    @Test("a wildcard subjectAltName under a CA permitted only good.example.com is refused as invalid-chain")
    func wildcardOutsidePermittedSubtree() async throws {
        let constraint = try Factory.nameConstraints(permitted: [.dnsName("good.example.com")])
        let refused = try await Self.inspect(dns: ["*.example.com"], intermediateExtensions: [constraint])
        #expect(refused.errorCodes == [.invalidChain], "\(refused.errors)")
        let accepted = try await Self.inspect(dns: ["*.good.example.com"], intermediateExtensions: [constraint])
        #expect(accepted.errors.isEmpty, "\(accepted.errors)")
    }

    @Test("a wildcard subjectAltName covering an excluded bad.example.com is refused as invalid-chain (CVE-2025-61727's class)",
          arguments: ["bad.example.com", ".example.com", "example.com"])
    func wildcardCoveringExcludedSubtree(excluded: String) async throws {
        let constraint = try Factory.nameConstraints(excluded: [.dnsName(excluded)])
        let refused = try await Self.inspect(dns: ["*.example.com"], intermediateExtensions: [constraint])
        #expect(refused.errorCodes == [.invalidChain], "\(refused.errors)")
        if excluded == "bad.example.com" {
            // The other two swift-certificates already refuses: it reads `*` as a label below example.com.
            #expect(refused.errors.first?.message.contains("the wildcard subjectAltName \"*.example.com\"") == true, "\(refused.errors)")
        }
        let accepted = try await Self.inspect(dns: ["*.other.example.org"], intermediateExtensions: [constraint])
        #expect(accepted.errors.isEmpty, "\(accepted.errors)")
    }

    @Test("a name with a final dot cannot slip past an excluded subtree")
    func unparseableNameUnderExcludedSubtree() async throws {
        let constraint = try Factory.nameConstraints(excluded: [.dnsName("bad.example.com")])
        let refused = try await Self.inspect(dns: ["mdm.bad.example.com."], intermediateExtensions: [constraint])
        #expect(refused.errorCodes == [.invalidChain], "\(refused.errors)")
        #expect(refused.errors.first?.message.contains("is not a valid DNS name") == true, "\(refused.errors)")
    }

    @Test("a leading-period DNS constraint covers the names below the domain, not the domain itself")
    func leadingPeriodConstraint() async throws {
        let permitted = try Factory.nameConstraints(permitted: [.dnsName(".example.com")])
        #expect(try await Self.inspect(dns: ["www.example.com"], intermediateExtensions: [permitted]).errors.isEmpty)
        #expect(try await Self.inspect(dns: ["example.com"], intermediateExtensions: [permitted]).errorCodes == [.invalidChain])
        let excluded = try Factory.nameConstraints(excluded: [.dnsName(".example.com")])
        #expect(try await Self.inspect(dns: ["www.example.com"], intermediateExtensions: [excluded]).errorCodes == [.invalidChain])
        #expect(try await Self.inspect(dns: ["example.com"], intermediateExtensions: [excluded]).errors.isEmpty)
    }

    @Test("an intermediate whose extendedKeyUsage is emailProtection only cannot issue a server certificate")
    func intermediateWithoutServerAuth() async throws {
        let email = try Certificate.Extension(ExtendedKeyUsage([.emailProtection]), critical: false)
        let refused = try await Self.inspect(dns: ["mdm.example.com"], intermediateExtensions: [email])
        #expect(refused.errorCodes == [.invalidChain], "\(refused.errors)")
        #expect(refused.errors.first?.message.contains("its extendedKeyUsage lacks serverAuth") == true, "\(refused.errors)")
        let server = try Certificate.Extension(ExtendedKeyUsage([.serverAuth, .clientAuth]), critical: false)
        #expect(try await Self.inspect(dns: ["mdm.example.com"], intermediateExtensions: [server]).errors.isEmpty)
    }

    @Test("a CA certificate (basicConstraints cA=TRUE) is refused as the server certificate")
    func caCertificateAsLeaf() async throws {
        let root = try Factory.ca("Root")
        let intermediate = try Factory.ca("Intermediate", issuer: root)
        let leaf = try Factory.make("mdm.example.com", issuer: intermediate, extensions: [
            try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: 0), critical: true),
            try Certificate.Extension(SubjectAlternativeNames([.dnsName("mdm.example.com")]), critical: false),
        ])
        let report = await Factory.inspect(leaf, chain: [intermediate], root: root)
        #expect(report.errorCodes == [.invalidChain], "\(report.errors)")
        #expect(report.errors.first?.message.contains("is a CA certificate (basicConstraints cA=TRUE)") == true)
    }

    @Test("an underscore in a DNS subjectAltName is flagged as invalid-chain")
    func underscoreInDNSName() async throws {
        let report = try await Self.inspect(dns: ["mdm.example.com", "mdm_backup.example.com"], intermediateExtensions: [])
        #expect(report.errorCodes == [.invalidChain], "\(report.errors)")
        #expect(report.errors.first?.message.contains("\"mdm_backup.example.com\" has an underscore") == true)
    }

    @Test("an otherName constraint constrains nothing when no otherName is on the path, and refuses one that is")
    func otherNameConstraint() async throws {
        // A Microsoft UPN constraint (1.3.6.1.4.1.311.20.2.3) beside a DNS one, as AD CS writes for smart cards.
        let upn: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 311, 20, 2, 3]
        let value = try ASN1Any(erasing: ASN1UTF8String("@corp.example.com"))
        let otherName = GeneralName.otherName(GeneralName.OtherName(typeID: upn, value: value))
        let constraint = try Factory.nameConstraints(permitted: [otherName, .dnsName("example.com")])
        let accepted = try await Self.inspect(dns: ["mdm.example.com"], intermediateExtensions: [constraint])
        #expect(accepted.errors.isEmpty, "\(accepted.errors)")
        // The DNS subtree still holds once the otherName subtree is set aside.
        let outside = try await Self.inspect(dns: ["mdm.example.org"], intermediateExtensions: [constraint])
        #expect(outside.errorCodes == [.invalidChain], "\(outside.errors)")
        let carried = try await Self.inspect(names: [.dnsName("mdm.example.com"), otherName], intermediateExtensions: [constraint])
        #expect(carried.errorCodes == [.invalidChain], "\(carried.errors)")
        #expect(carried.errors.first?.message.contains("constrains otherName names, which Rollover cannot check") == true, "\(carried.errors)")
    }
}
