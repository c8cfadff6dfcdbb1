import ArgumentParser
import Foundation
import RolloverPKI
import RolloverService

/// `rollover import`: inspect, then keep the certificate (staged) with its chain and its sealed key.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a certificate after inspecting it; a refused import changes nothing.",
        discussion: "A certificate signed from `rollover csr` needs no key file: Rollover finds its key. Exit status as for inspect.")

    @OptionGroup var inspection: InspectionArguments
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let (files, options) = try inspection.read()
        let outcome = try await CertificateImport(try await store.open()).run(files, options: options)
        if inspection.json {
            var json = InspectionReportJSON(outcome.report)
            json.ok = outcome.certificateID != nil
            print(json.jsonString())
        } else {
            print(outcome.report.text())
            if let id = outcome.certificateID {
                print("Imported as certificate \(id) (staged)\(outcome.fulfilledRequestID.map { ", answering signing request \($0)" } ?? "").")
            }
        }
        if outcome.certificateID == nil { throw ExitCode(1) }
    }
}
