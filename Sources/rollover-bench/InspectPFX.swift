import ArgumentParser
import Foundation
import RolloverPKI

/// Times what an import through the admin API does with an upload, in-process and many times over: read the file
/// by its content (PKCS#12: MAC, decryption, certificates and key) and run every inspection check, without the
/// system trust store (the admin API does not consult it). Also times the reading alone, and, with
/// `--system-trust`, the inspection with the system store parsed once beforehand, as `rollover inspect` consults it.
struct InspectPFX: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect-pfx", abstract: "Time RolloverPKI's reading and inspection of one file, in-process (for scripts/bench).")

    @Argument(help: "The file to inspect (e.g. a 3DES PKCS#12).") var file: String
    @Option(help: "The environment variable holding the password.") var passwordEnv: String?
    @Option(name: .customLong("address"), help: "A connection address the certificate must cover. Repeatable.") var addresses: [String] = []
    @Option(help: "Timed iterations of each measurement.") var iterations = 200
    @Option(help: "Untimed iterations first.") var warmUp = 10
    @Flag(help: "Also time the inspection with /etc/ssl/certs/ca-certificates.crt as trusted roots (parsed once, outside the timing).")
    var systemTrust = false
    @Option(help: "Write the results as JSON to this file too.") var json: String?

    struct Result: Encodable {
        var file: String
        var format: String
        var ok: Bool
        var errors: [String]
        var warnings: [String]
        var readAndInspect: Timing
        var readOnly: Timing
        var readAndInspectWithSystemTrust: Timing?
        var meanReadAndInspectMilliseconds: Double
    }

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        let bytes = Array(data)
        let password = passwordEnv.map { Password(ProcessInfo.processInfo.environment[$0] ?? "") }
        var options = InspectionOptions()
        options.addresses = addresses

        // The work must be the real work: a wrong password or an unreadable file would be timed as a fast failure.
        let first = await Inspector.inspect([FileReader.read(bytes, name: file, password: password)], options: options)
        guard first.key != nil, first.leaf != nil else {
            throw ValidationError("\(file) did not yield a certificate and its key: \(first.errors.map(\.message).joined(separator: "; "))")
        }

        let readOnly = try await measure { _ = FileReader.read(bytes, name: file, password: password) }
        var samples: [Duration] = []
        let full = try await measure(collect: &samples) {
            let contents = FileReader.read(bytes, name: file, password: password)
            _ = await Inspector.inspect([contents], options: options)
        }
        var withSystem: Timing?
        if systemTrust, let system = FileManager.default.contents(atPath: "/etc/ssl/certs/ca-certificates.crt") {
            var trusted = options
            trusted.trustedRoots = FileReader.read(Array(system), name: "system", password: nil).certificates
            withSystem = try await measure {
                _ = await Inspector.inspect([FileReader.read(bytes, name: file, password: password)], options: trusted)
            }
        }
        let mean = samples.map(\.seconds).reduce(0, +) / Double(max(samples.count, 1)) * 1000
        let result = Result(file: file, format: first.files.first?.format ?? "?", ok: first.ok,
                            errors: first.errors.map(\.code.rawValue), warnings: first.warnings.map(\.code.rawValue),
                            readAndInspect: full, readOnly: readOnly, readAndInspectWithSystemTrust: withSystem,
                            meanReadAndInspectMilliseconds: mean)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let text = try encoder.encode(result)
        print(String(decoding: text, as: UTF8.self))
        if let json { try text.write(to: URL(fileURLWithPath: json)) }
    }

    private func measure(_ body: () async throws -> Void) async throws -> Timing {
        var ignored: [Duration] = []
        return try await measure(collect: &ignored, body)
    }

    private func measure(collect samples: inout [Duration], _ body: () async throws -> Void) async throws -> Timing {
        for _ in 0..<warmUp { try await body() }
        samples = []
        samples.reserveCapacity(iterations)
        let clock = ContinuousClock()
        for _ in 0..<iterations {
            let started = clock.now
            try await body()
            samples.append(clock.now - started)
        }
        return Timing(samples)
    }
}
