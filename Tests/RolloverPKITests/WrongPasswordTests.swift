import Foundation
import Testing
@testable import RolloverPKI

/// A wrong password is reported as a wrong password, for PKCS#12 and encrypted keys alike; never as malformed.
@Suite("Wrong passwords")
struct WrongPasswordTests {
    static func protectedFiles() throws -> [ManifestEntry] {
        try Corpus.entries().filter { entry in
            guard entry.expected?.parses == true, let password = entry.password, !password.isEmpty else { return false }
            if entry.kind == "pkcs12" { return entry.expected?.rejects_wrong_password == true }
            return entry.kind == "key" && entry.expected?.encryption != nil
        }
    }

    @Test("every password-protected corpus file says wrong-password for a wrong password and for none")
    func wrongPasswordIsWrongPassword() throws {
        let files = try Self.protectedFiles()
        guard !files.isEmpty else { return }
        var checked = 0
        for entry in files {
            let bytes = try Corpus.bytes(entry.file)
            for password in [Password("not the password"), nil] {
                let contents = FileReader.read(bytes, name: entry.file, password: password)
                let codes = Set(contents.problems.map(\.code))
                // DSA and the BLAKE2 MAC are refused before any password is tried; that is their code.
                if codes == [.unsupportedFormat] { continue }
                #expect(codes.contains(.wrongPassword), "\(entry.file) with \(password == nil ? "no" : "a wrong") password: \(contents.problems)")
                #expect(!codes.contains(.malformed), "\(entry.file): \(contents.problems)")
                #expect(contents.privateKeys.isEmpty, "\(entry.file) gave a key with a wrong password")
                checked += 1
            }
        }
        print("wrong-password: \(checked) cases over \(files.count) files")
        #expect(checked > 50)
    }
}
