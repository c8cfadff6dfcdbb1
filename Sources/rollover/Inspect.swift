import ArgumentParser
import Foundation
import RolloverPKI

/// `rollover inspect`: reads certificate, key and PKCS#12 files and says whether they can be imported.
struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check certificate, key and PKCS#12 files before importing them.",
        discussion: "Exit status: 0 importable (warnings allowed), 1 not importable, 2 usage error or unreadable file."
    )

    @Argument(help: "Certificate, private key or PKCS#12 files, in any order and format.")
    var files: [String]

    @OptionGroup var password: PasswordOptions

    @Option(name: .customLong("address"), help: "A connection address (DNS name or IP) that must be in the subjectAltName. Repeatable.")
    var addresses: [String] = []

    @Option(name: .customLong("trust"), help: "A file of extra trusted root certificates. Repeatable.")
    var trustFiles: [String] = []

    @Option(help: "Check as of this instant (ISO 8601, e.g. 2026-01-31T12:00:00Z) instead of now.")
    var at: String?

    @Option(help: "The longest leaf validity accepted, in days.")
    var maxValidityDays: Int = 397

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    static let systemTrustStore = "/etc/ssl/certs/ca-certificates.crt"

    func run() async throws {
        var options = InspectionOptions()
        options.addresses = addresses
        options.maxValidityDays = maxValidityDays
        if let at {
            guard let date = try? Date(at, strategy: .iso8601) else {
                throw UsageFailure("--at \(at) is not an ISO 8601 instant such as 2026-01-31T12:00:00Z")
            }
            options.at = date
        }
        guard maxValidityDays > 0 else { throw UsageFailure("--max-validity-days must be positive") }
        let secret = try password.read()

        var contents: [FileContents] = []
        for path in files {
            contents.append(FileReader.read(try readFile(path), name: path, password: secret))
        }
        for path in trustFiles {
            options.trustedRoots += FileReader.read(try readFile(path), name: path, password: nil).certificates
        }
        if let system = FileManager.default.contents(atPath: Self.systemTrustStore) {
            options.trustedRoots += FileReader.read(Array(system), name: Self.systemTrustStore, password: nil).certificates
        }

        let report = await Inspector.inspect(contents, options: options)
        print(json ? InspectionReportJSON(report).jsonString() : report.text())
        if !report.ok { throw ExitCode(1) }
    }

    private func readFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsageFailure("cannot read \(path): no such file, or permission denied")
        }
        return Array(data)
    }
}

/// A usage error or an unreadable path: printed to standard error, exit status 2.
struct UsageFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
