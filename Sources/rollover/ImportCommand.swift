import ArgumentParser
import Foundation
import RolloverPKI
import RolloverService

/// `rollover import`: inspect, then keep the certificate (staged) with its chain and its sealed key: on a running
/// server with `--server`, or in the local data folder otherwise.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a certificate after inspecting it; a refused import changes nothing.",
        discussion: "With --server (or ROLLOVER_SERVER) the files go to the running server; otherwise to the local data folder. A certificate signed from `rollover csr` needs no key file: Rollover finds its key. Exit status as for inspect.")

    @OptionGroup var inspection: InspectionArguments
    @Option(help: "The SNI host name the certificate serves; the default certificate otherwise.") var hostName: String?
    @OptionGroup var remote: RemoteOptions
    @OptionGroup var store: StoreOptions

    func run() async throws {
        if remote.serverURL != nil { return try await importRemotely() }
        let (files, options) = try inspection.read()
        let outcome = try await CertificateImport(try await store.open()).run(files, options: options, hostName: hostName)
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

    private func importRemotely() async throws {
        var body: [String: Any] = ["files": try inspection.files.map { path -> [String: String] in
            guard let data = FileManager.default.contents(atPath: path) else { throw UsageFailure("cannot read \(path)") }
            return ["name": (path as NSString).lastPathComponent, "content": data.base64EncodedString()]
        }]
        if let password = try inspection.password.read() { body["password"] = String(decoding: password.utf8, as: UTF8.self) }
        if !inspection.addresses.isEmpty { body["addresses"] = inspection.addresses }
        if let hostName { body["hostName"] = hostName }
        let request = try JSONSerialization.data(withJSONObject: body)
        let data = try await remote.withClient { try await $0.send(.POST, "/api/v1/admin/certificates", json: request) }
        if inspection.json { return RemoteOutput.json(data) }
        let certificate = RemoteOutput.object(data)["certificate"] as? [String: Any] ?? [:]
        let warnings = (RemoteOutput.object(data)["report"] as? [String: Any])?["warnings"] as? [[String: Any]] ?? []
        for warning in warnings { RemoteOutput.line("warning [\(warning["code"] ?? "")] \(warning["message"] ?? "")") }
        RemoteOutput.line("Imported as certificate \(certificate["id"] ?? "") (staged): \(certificate["subject"] ?? ""). Activate it with `rollover activate \(certificate["id"] ?? "")`.")
    }
}
