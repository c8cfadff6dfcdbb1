import Foundation
import Testing

/// Runs the `openssl` CLI for fixtures only it can write (legacy PKCS#12, SHA-1 and 1024-bit certificates).
/// Missing openssl: a failure under `CI=true` (`.ci/run` installs it), a plain skip elsewhere.
enum OpenSSL {
    static var isAvailable: Bool {
        if (try? run(["version"])) != nil { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("openssl is not installed; .ci/run must install it")
        } else {
            print("skipped: openssl not found")
        }
        return false
    }

    @discardableResult
    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
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
        return String(decoding: data, as: UTF8.self)
    }

    struct OpenSSLFailure: Error, CustomStringConvertible { var message: String; var description: String { message } }
}

/// A temporary folder for one test's generated files, removed when the test ends.
final class ScratchFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("rollover-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: url.appendingPathComponent(name))) }
    func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: url.appendingPathComponent(name)) }
}
