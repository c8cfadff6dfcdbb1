import Crypto
import Foundation
import RolloverTestSupport
import SwiftASN1
import Testing
import X509
@testable import RolloverPKI

/// Trust material for devices without the agent: checked by the tools those devices' administrators use
/// (a property-list reader, openssl), and byte-stable so a replacement profile updates in place.
@Suite("Trust export")
struct TrustExportTests {
    static let identifier = "com.rollover.trust.mdm.example.com"

    /// A self-signed P-256 root; `commonName` nil gives a subject with only an organization.
    static func root(_ commonName: String?) throws -> [UInt8] {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName {
            OrganizationName("Example GmbH")
            if let commonName { CommonName(commonName) }
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey,
            notValidBefore: Date(timeIntervalSinceNow: -3600), notValidAfter: Date(timeIntervalSinceNow: 86_400 * 3650),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            }, issuerPrivateKey: key)
        return try certificate.serializeAsPEM().derBytes
    }

    static func roots() throws -> [[UInt8]] {
        [try CertificateAuthority.createRoot().certificate.serializeAsPEM().derBytes,
         try root("Example <Root> & \"Friends\""), try root(nil)]
    }

    static func export(_ certificates: [[UInt8]], _ format: TrustExportFormat, identifier: String = identifier) throws -> [ExportedFile] {
        try TrustExport.export(certificates, format: format, profileIdentifier: identifier, organization: "Rollover & Co")
    }

    static func sha256(_ der: [UInt8]) -> String { SHA256.hash(data: der).map { String(format: "%02x", $0) }.joined() }
    static func sha1(_ der: [UInt8]) -> String { Insecure.SHA1.hash(data: der).map { String(format: "%02X", $0) }.joined() }

    /// The profile as Python's plistlib reads it, re-encoded as JSON with the certificate bytes in hex.
    static func readWithPlistlib(_ profile: [UInt8]) throws -> [String: Any]? {
        guard (try? ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "--version"]))?.status == 0 else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("python3 is not installed") }
            else { print("skipped: python3 not found") }
            return nil
        }
        let folder = try ScratchFolder()
        try Data(profile).write(to: folder.url.appendingPathComponent("trust.mobileconfig"))
        let script = """
            import json, plistlib, sys
            with open(sys.argv[1], "rb") as f:
                profile = plistlib.load(f, fmt=plistlib.FMT_XML)
            for payload in profile["PayloadContent"]:
                payload["PayloadContent"] = payload["PayloadContent"].hex()
            print(json.dumps(profile))
            """
        let outcome = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, folder.path("trust.mobileconfig")])
        #expect(outcome.status == 0, "\(outcome.errors)")
        return try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any]
    }

    @Test("the configuration profile parses with Python's plistlib, with one root payload per certificate holding its DER")
    func profileParsesWithPlistlib() throws {
        let roots = try Self.roots()
        let files = try Self.export(roots, .mobileconfig)
        try #require(files.count == 1)
        #expect(files[0].name == "rollover-trust.mobileconfig")
        guard let profile = try Self.readWithPlistlib(files[0].contents) else { return }

        #expect(profile["PayloadType"] as? String == "Configuration")
        #expect(profile["PayloadVersion"] as? Int == 1)
        #expect(profile["PayloadIdentifier"] as? String == Self.identifier)
        #expect(profile["PayloadOrganization"] as? String == "Rollover & Co")
        #expect((profile["PayloadDisplayName"] as? String)?.contains("Rollover & Co") == true)
        #expect(profile["PayloadUUID"] as? String == ConfigurationProfile.stableUUID(Self.identifier))

        let payloads = try #require(profile["PayloadContent"] as? [[String: Any]])
        #expect(payloads.count == roots.count)
        let fingerprints = roots.map(Self.sha256).sorted()
        #expect(payloads.map { $0["PayloadIdentifier"] as? String } == fingerprints.map { "\(Self.identifier).\($0)" }, "sorted by fingerprint")
        for der in roots {
            let fingerprint = Self.sha256(der)
            let payload = try #require(payloads.first { $0["PayloadIdentifier"] as? String == "\(Self.identifier).\(fingerprint)" })
            #expect(payload["PayloadType"] as? String == "com.apple.security.root")
            #expect(payload["PayloadVersion"] as? Int == 1)
            #expect(payload["PayloadContent"] as? String == der.map { String(format: "%02x", $0) }.joined(), "the DER, byte for byte")
            #expect(payload["PayloadCertificateFileName"] as? String == "\(Self.sha1(der)).cer")
            #expect(payload["PayloadUUID"] as? String == ConfigurationProfile.stableUUID("\(Self.identifier).\(fingerprint)"))
        }
        let names = Set(payloads.compactMap { $0["PayloadDisplayName"] as? String })
        #expect(names == ["Rollover Root CA", "Example <Root> & \"Friends\"", "O=Example GmbH"],
                "the common name, or the whole subject when there is none")
        let uuids = [profile["PayloadUUID"] as? String] + payloads.map { $0["PayloadUUID"] as? String }
        #expect(Set(uuids).count == uuids.count)
        let uuidShape = /[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}/
        #expect(uuids.allSatisfy { $0.map { (try? uuidShape.wholeMatch(in: $0)) != nil } == true }, "\(uuids)")
    }

    @Test("exporting twice, or with the certificates in another order or repeated, gives byte-identical files", arguments: TrustExportFormat.allCases)
    func exportIsByteStable(format: TrustExportFormat) throws {
        let roots = try Self.roots()
        let first = try Self.export(roots, format)
        #expect(try Self.export(roots, format) == first)
        #expect(try Self.export(roots.reversed(), format) == first)
        #expect(try Self.export([roots[1], roots[0], roots[2], roots[1]], format) == first)
    }

    @Test("profile UUIDs stay with the identifier and each certificate, whatever else is in the profile")
    func profileUUIDsAreStable() throws {
        let roots = try Self.roots()
        func uuids(_ certificates: [[UInt8]], identifier: String = Self.identifier) throws -> [String] {
            let text = String(decoding: try Self.export(certificates, .mobileconfig, identifier: identifier)[0].contents, as: UTF8.self)
            return text.matches(of: /<key>PayloadUUID<\/key>\s*<string>([^<]*)<\/string>/).map { String($0.output.1) }
        }
        let all = try uuids(roots)
        let one = try uuids([roots[0]])
        #expect(all.count == 4 && one.count == 2)
        let profileUUID = ConfigurationProfile.stableUUID(Self.identifier)
        #expect(all.contains(profileUUID) && one.contains(profileUUID), "the profile's UUID derives from the identifier alone")
        #expect(Set(one).isSubset(of: Set(all)), "a certificate's payload keeps its UUID when others join it")
        #expect(Set(try uuids(roots, identifier: "com.rollover.trust.other.example.com")).isDisjoint(with: Set(all)),
                "another server's profile shares no UUID")
    }

    @Test("linux files hold one PEM certificate each, named by fingerprint, that openssl x509 reads")
    func linuxFilesPassOpenSSL() throws {
        let roots = try Self.roots()
        let files = try Self.export(roots, .linux)
        #expect(files.map(\.name) == roots.map { "rollover-\(Self.sha256($0).prefix(16)).crt" }.sorted())
        for file in files {
            let documents = try PEMDocument.parseMultiple(pemString: String(decoding: file.contents, as: UTF8.self))
            #expect(documents.count == 1 && documents[0].discriminator == "CERTIFICATE")
            #expect(file.name == "rollover-\(Self.sha256(documents[0].derBytes).prefix(16)).crt")
        }
        guard OpenSSL.isAvailable else { return }
        let folder = try ScratchFolder()
        for file in files {
            try Data(file.contents).write(to: folder.url.appendingPathComponent(file.name))
            try OpenSSL.run(["x509", "-noout", "-in", folder.path(file.name)])
            let fingerprint = try OpenSSL.run(["x509", "-noout", "-fingerprint", "-sha256", "-in", folder.path(file.name)])
            let hex = fingerprint.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
            #expect(hex.map { file.name.hasPrefix("rollover-\($0.prefix(16))") } == true, "\(file.name): \(fingerprint)")
        }
    }

    @Test("der and windows files are named by SHA-1 thumbprint and hold the DER unchanged", arguments: [TrustExportFormat.der, .windows])
    func derFilesAreNamedByThumbprint(format: TrustExportFormat) throws {
        let roots = try Self.roots()
        let files = try Self.export(roots, format)
        #expect(files.count == roots.count)
        for der in roots {
            let file = files.first { $0.name == "\(Self.sha1(der)).cer" }
            #expect(file?.contents == der)
        }
        #expect(files.allSatisfy { (try? /[0-9A-F]{40}\.cer/.wholeMatch(in: $0.name)) != nil })
        #expect(try Self.export(roots, .windows) == Self.export(roots, .der))
    }

    @Test("the PEM bundle round-trips to the same certificates")
    func pemRoundTrips() throws {
        let roots = try Self.roots()
        let files = try Self.export(roots, .pem)
        try #require(files.count == 1)
        #expect(files[0].name == "rollover-trust.pem")
        let text = String(decoding: files[0].contents, as: UTF8.self)
        #expect(text.hasSuffix("-----END CERTIFICATE-----\n"))
        let documents = try PEMDocument.parseMultiple(pemString: text)
        #expect(documents.allSatisfy { $0.discriminator == "CERTIFICATE" })
        #expect(documents.map(\.derBytes) == roots.sorted { Self.sha256($0) < Self.sha256($1) })
        #expect(try documents.map { try Certificate(derEncoded: $0.derBytes) }.count == roots.count)
    }

    @Test("garbage, PEM text, truncated or padded certificates and an empty list are refused with the position named",
          arguments: TrustExportFormat.allCases)
    func garbageIsRefused(format: TrustExportFormat) throws {
        let good = try Self.root("Good Root")
        let pemText = Array(PEMDocument(type: "CERTIFICATE", derBytes: good).pemString.utf8)
        let bad: [(certificates: [[UInt8]], message: String)] = [
            ([], "no certificate"),
            ([good, []], "certificate 2 of 2 is empty"),
            ([Array("hello, world".utf8)], "the certificate is not an X.509 certificate"),
            ([good, pemText], "certificate 2 of 2 is PEM text"),
            ([Array(good.dropLast(10)), good], "certificate 1 of 2 is not an X.509 certificate"),
            ([good + [0x00]], "the certificate is not an X.509 certificate"),
            ([[0x30, 0x03, 0x02, 0x01, 0x01]], "the certificate is not an X.509 certificate"),
        ]
        for (certificates, message) in bad {
            let error = #expect(throws: TrustExportError.self) { try Self.export(certificates, format) }
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "no error")")
        }
    }

    @Test("a configuration profile without an identifier or organization is refused")
    func profileNeedsIdentifierAndOrganization() throws {
        let roots = try Self.roots()
        #expect(throws: TrustExportError.self) {
            try TrustExport.export(roots, format: .mobileconfig, profileIdentifier: "", organization: "Rollover")
        }
        #expect(throws: TrustExportError.self) {
            try TrustExport.export(roots, format: .mobileconfig, profileIdentifier: "com.rollover trust", organization: "Rollover")
        }
        #expect(throws: TrustExportError.self) {
            try TrustExport.export(roots, format: .mobileconfig, profileIdentifier: Self.identifier, organization: "  ")
        }
    }
}
