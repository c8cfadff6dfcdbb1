import Crypto
import Foundation
import RolloverCore
import RolloverStore
import RolloverTestSupport
import Testing
import X509
@testable import RolloverService

/// How Rollover writes its files (`AtomicFile`) and keeps its data folder: secrets never readable by others, a file
/// whole or not at all, nothing written over a device, and the master key rotated only while nothing else holds it.
@Suite("Secret files and the data folder")
struct SecretFilesTests {
    static func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    static func entries(_ folder: ScratchFolder) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted()
    }

    @Test("a secret file is created 0600 whatever the umask, replaces the old one, and leaves no temporary file")
    func secretFileIsPrivateAndWhole() throws {
        let folder = try ScratchFolder()
        let path = folder.path("admin-token")
        let previous = umask(0)
        defer { umask(previous) }
        try AtomicFile.write(Array("first\n".utf8), to: path)
        #expect(try Self.mode(path) == 0o600)
        try AtomicFile.write(Array("second\n".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second\n")
        #expect(try Self.mode(path) == 0o600)
        try AtomicFile.write(Array("public\n".utf8), to: folder.path("ca.pem"), mode: 0o644)
        #expect(try Self.mode(folder.path("ca.pem")) == 0o644)
        #expect(try Self.entries(folder) == ["admin-token", "ca.pem"], "no temporary file is left beside them")
    }

    @Test("a path that is not a regular file is refused with not-a-regular-file and left as it was")
    func nonRegularTargetsAreRefused() throws {
        let folder = try ScratchFolder()
        try FileManager.default.createDirectory(atPath: folder.path("folder"), withIntermediateDirectories: false)
        #expect(mkfifo(folder.path("pipe"), 0o600) == 0)
        try folder.write("target", "kept")
        try FileManager.default.createSymbolicLink(atPath: folder.path("link"), withDestinationPath: folder.path("target"))
        for path in ["/dev/null", folder.path("folder"), folder.path("pipe"), folder.path("link")] {
            let refusal = #expect(throws: FileWriteError.self, "\(path)") { try AtomicFile.write(Array("x".utf8), to: path) }
            #expect(refusal?.code == .notARegularFile, "\(path)")
            #expect(refusal?.description.hasPrefix("not-a-regular-file: ") == true)
        }
        var status = stat()
        #expect(lstat("/dev/null", &status) == 0 && status.st_mode & S_IFMT == S_IFCHR, "/dev/null is still the device")
        #expect(try String(contentsOfFile: folder.path("target"), encoding: .utf8) == "kept", "the link's target is untouched")
        #expect(try Self.entries(folder) == ["folder", "link", "pipe", "target"])
        let missing = #expect(throws: FileWriteError.self) { try AtomicFile.write(Array("x".utf8), to: folder.path("no/such/file")) }
        #expect(missing?.code == .cannotWrite)
    }

    @Test("a file meant to be kept (a new master key) is never replaced")
    func keptFileIsNotReplaced() throws {
        let folder = try ScratchFolder()
        let path = folder.path("master.key")
        try MasterKey.write(MasterKey.generate(), to: path)
        let before = try String(contentsOfFile: path, encoding: .utf8)
        let refusal = #expect(throws: FileWriteError.self) { try MasterKey.write(MasterKey.generate(), to: path) }
        #expect(refusal?.code == .exists)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == before)
        #expect(try Self.mode(path) == 0o600)
        #expect(try Self.entries(folder) == ["master.key"])
    }

    @Test("an unchanged file is not rewritten (a start on a full disk does not fail over ca.pem); a changed one is")
    func unchangedFileIsNotRewritten() throws {
        let folder = try ScratchFolder()
        let path = folder.path("ca.pem")
        #expect(try AtomicFile.update(Array("root\n".utf8), at: path, mode: 0o644))
        let inode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64)
        #expect(try !AtomicFile.update(Array("root\n".utf8), at: path, mode: 0o644))
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64 == inode, "the same file, not a new one")
        #expect(try AtomicFile.update(Array("new root\n".utf8), at: path, mode: 0o644))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new root\n")
    }

    @Test("an existing data folder is made 0700 at start, and the database files are readable by their owner only")
    func dataFolderIsPrivate() async throws {
        let folder = try ScratchFolder()
        let data = folder.path("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        let context = try await ServiceContext.open(dataFolder: data, environment: [:], actor: AuditActor("test"))
        _ = try await KeyRepository(context).save(Certificate.PrivateKey(P256.Signing.PrivateKey()), purpose: "server")
        #expect(try Self.mode(data) == 0o700)
        for name in DataFolderPermissions.databaseFiles where FileManager.default.fileExists(atPath: data + "/" + name) {
            #expect(try Self.mode(data + "/" + name) == 0o600, "\(name)")
        }
        #expect(try Self.mode(data + "/master.key") == 0o600)
        try await context.store.close()

        // A folder opened up again by hand (and a database made readable) is closed again at the next start.
        #expect(chmod(data, 0o755) == 0 && chmod(data + "/rollover.sqlite", 0o644) == 0)
        let again = try await ServiceContext.open(dataFolder: data, environment: [:], actor: AuditActor("test"))
        #expect(try Self.mode(data) == 0o700)
        #expect(try Self.mode(data + "/rollover.sqlite") == 0o600)
        try await again.store.close()
    }

    @Test("the master key is not rotated while another process has the data folder open: 409 store-in-use, nothing changes")
    func rotationWaitsForTheFolderAlone() async throws {
        let folder = try ScratchFolder()
        let data = folder.path("data")
        let server = try await ServiceContext.open(dataFolder: data, environment: [:], actor: .system)
        let keyID = try await KeyRepository(server).save(Certificate.PrivateKey(P256.Signing.PrivateKey()), purpose: "server")
        let keyFile = try String(contentsOfFile: data + "/master.key", encoding: .utf8)

        let cli = try await ServiceContext.open(dataFolder: data, environment: [:], actor: AuditActor("cli:test"))
        let refusal = await #expect(throws: StoreError.self) { _ = try await MasterKeyRotation.rotate(cli) }
        #expect(refusal?.specificCode == "store-in-use")
        #expect(try String(contentsOfFile: data + "/master.key", encoding: .utf8) == keyFile, "the key file is unchanged")
        #expect(!FileManager.default.fileExists(atPath: data + "/master.key.new"))
        #expect(try await cli.store.allPrivateKeys().values.allSatisfy { $0.masterKeyID == server.vault.masterKey.id })
        // The refused command still shares the folder with the server, which keeps working.
        _ = try await KeyRepository(server).load(id: keyID)
        _ = try await KeyRepository(server).save(Certificate.PrivateKey(P256.Signing.PrivateKey()), purpose: "server")
        try await server.store.close()
        try await cli.store.close()
    }

    @Test("alone on the data folder the rotation runs, and a key sealed afterwards under the old master key is refused")
    func rotationAloneThenOldKeyRefused() async throws {
        let folder = try ScratchFolder()
        let data = folder.path("data")
        var first: ServiceContext? = try await ServiceContext.open(dataFolder: data, environment: [:], actor: .system)
        _ = try await KeyRepository(first!).save(Certificate.PrivateKey(P256.Signing.PrivateKey()), purpose: "server")
        let oldVault = first!.vault
        try await first!.store.close()
        first = nil   // the folder's lock goes with the context

        var cli: ServiceContext? = try await ServiceContext.open(dataFolder: data, environment: [:], actor: AuditActor("cli:test"))
        let (count, newKey) = try await MasterKeyRotation.rotate(cli!)
        #expect(count == 1 && newKey.id != oldVault.masterKey.id)
        #expect(try Self.mode(data + "/master.key") == 0o600)

        // A process that read the old key before the rotation (on another machine sharing PostgreSQL, say).
        let key = P256.Signing.PrivateKey()
        let late = try oldVault.seal(Array(key.derRepresentation), publicKeySHA256: String(repeating: "0", count: 64), algorithm: "ec P-256", purpose: "server")
        let refusal = await #expect(throws: StoreError.self) { _ = try await cli!.store.insertPrivateKey(late, actor: .system) }
        #expect(refusal?.specificCode == "master-key-rotated")
        try await cli!.store.close()
        cli = nil

        // The next start reads the new key, and a later rotation still works: every key is under one master key.
        let next = try await ServiceContext.open(dataFolder: data, environment: [:], actor: AuditActor("cli:test"))
        #expect(next.vault.masterKey.id == newKey.id)
        #expect(try await MasterKeyRotation.rotate(next).rotated == 1)
        try await next.store.close()
    }
}
