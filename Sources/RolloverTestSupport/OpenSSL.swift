import Foundation
import Testing

/// Runs the `openssl` CLI for fixtures only it can write (legacy PKCS#12, SHA-1 and 1024-bit certificates).
/// Missing openssl: a failure under `CI=true` (`.ci/run` installs it), a plain skip elsewhere.
public enum OpenSSL {
    public static var isAvailable: Bool {
        if (try? run(["version"])) != nil { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("openssl is not installed; .ci/run must install it")
        } else {
            print("skipped: openssl not found")
        }
        return false
    }

    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        String(decoding: try output(arguments, input: nil, environment: environment), as: UTF8.self)
    }

    /// `openssl enc -e`; OpenSSL 3 keeps DES, RC2 and RC4 in the legacy provider, older versions have no providers.
    public static func enc(_ arguments: [String], legacyProvider: Bool, input: [UInt8]) throws -> [UInt8] {
        let providers = legacyProvider && hasProviders ? ["-provider", "legacy", "-provider", "default"] : []
        return try output(["enc", "-e"] + arguments + providers, input: input, environment: [:])
    }

    private static let hasProviders: Bool = {
        let version = (try? run(["version"])) ?? ""
        let major = version.split(separator: " ").dropFirst().first?.split(separator: ".").first.flatMap { Int($0) }
        return version.hasPrefix("OpenSSL ") && (major ?? 0) >= 3
    }()

    private static func output(_ arguments: [String], input: [UInt8]?, environment: [String: String]) throws -> [UInt8] {
        // Input goes through a file so a large plaintext cannot deadlock on a full stdin pipe.
        let inputFile = FileManager.default.temporaryDirectory.appendingPathComponent("rollover-openssl-\(UUID().uuidString)")
        if let input { try Data(input).write(to: inputFile) }
        defer { try? FileManager.default.removeItem(at: inputFile) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments + (input == nil ? [] : ["-in", inputFile.path])
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLFailure(message: "openssl \(arguments.joined(separator: " ")) failed: \(errorText)")
        }
        return Array(data)
    }

    public struct OpenSSLFailure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}

/// A temporary folder for one test's generated files, removed when the test ends.
public final class ScratchFolder {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("rollover-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    public func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: url.appendingPathComponent(name))) }
    public func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: url.appendingPathComponent(name)) }
}
