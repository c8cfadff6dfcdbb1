import ArgumentParser
import Foundation
import RolloverPKI

/// `rollover inspect`: reads certificate, key and PKCS#12 files and says whether they can be imported.
struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check certificate, key and PKCS#12 files before importing them.",
        discussion: "Exit status: 0 importable (warnings allowed), 1 not importable, 2 usage error or unreadable file."
    )

    @OptionGroup var inspection: InspectionArguments

    func run() async throws {
        let (files, options) = try inspection.read()
        let report = await Inspector.inspect(files, options: options)
        print(inspection.json ? InspectionReportJSON(report).jsonString() : report.text())
        if !report.ok { throw ExitCode(1) }
    }
}

/// A usage error or an unreadable path: printed to standard error, exit status 2.
struct UsageFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
