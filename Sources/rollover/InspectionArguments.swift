import ArgumentParser
import Foundation
import RolloverPKI

/// The files and checks of `inspect` and `import`.
struct InspectionArguments: ParsableArguments {
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

    /// Reads every file and builds the options; unreadable paths and bad values are usage failures (exit 2).
    func read() throws -> ([FileContents], InspectionOptions) {
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
        // One input: the files share one decryption budget and certificate count, as on the server.
        let contents = FileReader.read(try files.map { InputFile(name: $0, bytes: try Self.bytes($0)) }, password: secret)
        for path in trustFiles {
            options.trustedRoots += FileReader.read(try Self.bytes(path), name: path, password: nil).certificates
        }
        if let system = FileManager.default.contents(atPath: Self.systemTrustStore) {
            options.trustedRoots += FileReader.read(Array(system), name: Self.systemTrustStore, password: nil).certificates
        }
        return (contents, options)
    }

    private static func bytes(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsageFailure("cannot read \(path): no such file, or permission denied")
        }
        return Array(data)
    }
}
