import ArgumentParser
import Foundation
import RolloverPKI

/// Where a password comes from. Never a command-line value: those end up in shell history and `ps`.
struct PasswordOptions: ParsableArguments {
    @Option(help: "Read the password from this file (an empty file is the empty password; one trailing newline is dropped).")
    var passwordFile: String?

    @Option(help: "Read the password from this environment variable.")
    var passwordEnv: String?

    @Flag(help: "Read the password from standard input.")
    var passwordStdin = false

    func validate() throws {
        let sources = [passwordFile != nil, passwordEnv != nil, passwordStdin].filter { $0 }.count
        guard sources <= 1 else {
            throw ValidationError("give the password one way only: --password-file, --password-env or --password-stdin")
        }
    }

    func read() throws -> Password? {
        if let passwordFile {
            guard let data = FileManager.default.contents(atPath: passwordFile) else {
                throw UsageFailure("cannot read the password file \(passwordFile)")
            }
            return Password(utf8: Self.droppingOneNewline(Array(data)))
        }
        if let passwordEnv {
            guard let value = ProcessInfo.processInfo.environment[passwordEnv] else {
                throw UsageFailure("the environment variable \(passwordEnv) is not set")
            }
            return Password(value)
        }
        if passwordStdin {
            return Password(utf8: Self.droppingOneNewline(Array(FileHandle.standardInput.readDataToEndOfFile())))
        }
        return nil
    }

    /// `echo secret > file` adds a newline that is not part of the password.
    static func droppingOneNewline(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        if bytes.last == 0x0A { bytes.removeLast() }
        if bytes.last == 0x0D { bytes.removeLast() }
        return bytes
    }
}
