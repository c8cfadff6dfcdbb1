import Crypto
import Foundation
import RolloverCore
import RolloverPKI
import RolloverStore
import RolloverTestSupport
import Testing
import X509
@testable import RolloverService

/// Private keys at rest: sealed with AES-GCM under the master key, never stored in any readable encoding.
@Suite("Keys at rest")
struct KeysAtRestTests {
    func context(_ folder: ScratchFolder) async throws -> ServiceContext {
        try await ServiceContext.open(dataFolder: folder.path("data"), environment: [:], actor: AuditActor("test"))
    }

    @Test("a key read back from the store signs, and the database files do not contain it in any encoding")
    func storedKeyIsSealed() async throws {
        let folder = try ScratchFolder()
        let context = try await context(folder)
        let raw = P256.Signing.PrivateKey()
        let key = Certificate.PrivateKey(raw)
        let id = try await KeyRepository(context).save(key, purpose: "server")
        let loaded = try await KeyRepository(context).load(id: id)
        let name = try DistinguishedName { CommonName("signed by the stored key") }
        let signed = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: loaded.publicKey, notValidBefore: Date(), notValidAfter: Date().addingTimeInterval(60),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions(), issuerPrivateKey: loaded)
        #expect(key.publicKey.isValidSignature(signed.signature, for: signed))
        try await context.store.close()

        let pem = try key.serializeAsPEM().pemString
        let pemBody = pem.split(separator: "\n").dropFirst().dropLast().joined()
        let der = Array(raw.derRepresentation)
        let scalar = Array(raw.rawRepresentation)
        let needles: [(String, [UInt8])] = [
            ("raw scalar", scalar), ("DER", der), ("PEM body", Array(pemBody.utf8)),
            ("base64 DER", Array(Data(der).base64EncodedString().utf8)),
            ("hex scalar", Array(scalar.map { String(format: "%02x", $0) }.joined().utf8)),
            ("PEM label", Array("PRIVATE KEY".utf8)),
        ]
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path("data")).filter { $0.hasPrefix("rollover.sqlite") }
        #expect(!files.isEmpty)
        for file in files {
            let bytes = try folder.bytes("data/\(file)")
            for (name, needle) in needles {
                #expect(!Self.contains(bytes, needle), "\(file) contains the key as \(name)")
            }
        }
        let masterKey = try String(contentsOfFile: folder.path("data/master.key"), encoding: .utf8)
        #expect(try FileManager.default.attributesOfItem(atPath: folder.path("data/master.key"))[.posixPermissions] as? Int == 0o600)
        #expect(!masterKey.isEmpty)
    }

    @Test("rotating the master key keeps every key usable, also after a crash before the new key file was moved in")
    func rotationSurvivesInterruption() async throws {
        let folder = try ScratchFolder()
        var context = try await context(folder)
        let keys = try await (0..<3).asyncMap { _ in try await KeyRepository(context).save(Certificate.PrivateKey(P256.Signing.PrivateKey()), purpose: "server") }
        let (count, first) = try await MasterKeyRotation.rotate(context)
        #expect(count == 3)
        try await context.store.close()

        // A crash after the transaction and before the rename: the new key waits in master.key.new.
        context = try await self.context(folder)
        #expect(context.vault.masterKey.id == first.id)
        let second = MasterKey.generate()
        try MasterKey.write(second, to: folder.path("data/master.key.new"))
        try await context.store.replacePrivateKeys(try context.vault.reseal(try await context.store.allPrivateKeys(), under: KeyVault(masterKey: second)), actor: .system)
        try await context.store.close()

        context = try await self.context(folder)
        #expect(context.vault.masterKey.id == second.id, "the interrupted rotation was completed at the next start")
        for id in keys { _ = try await KeyRepository(context).load(id: id) }
        #expect(!FileManager.default.fileExists(atPath: folder.path("data/master.key.new")))
        try await context.store.close()

        try FileManager.default.removeItem(atPath: folder.path("data/master.key"))
        await #expect(throws: StoreError.self, "a lost master key is an error, never a silently new key") { _ = try await self.context(folder) }
    }

    @Test("the CA is created once, on first use, and comes back from the store")
    func authorityIsCreatedOnce() async throws {
        let folder = try ScratchFolder()
        let context = try await context(folder)
        let first = try await AuthorityService(context).authority()
        let second = try await AuthorityService(context).authority()
        #expect(first.certificate == second.certificate)
        #expect(try await context.store.certificates(in: .active).filter { $0.source == .authority }.count == 1)
        #expect(try await context.store.auditLog(limit: 10).contains { $0.action == "certificate.add" && $0.actor == "system" })
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return haystack.withUnsafeBufferPointer { buffer in
            (0...(buffer.count - needle.count)).contains { start in
                buffer[start] == needle[0] && Array(buffer[start..<start + needle.count]) == needle
            }
        }
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
