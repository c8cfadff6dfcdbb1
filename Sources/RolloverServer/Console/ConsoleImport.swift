import Foundation
import Hummingbird
import RolloverCore
import RolloverPKI
import RolloverService

/// The import form, as in Endpoint Central: upload the files and the password, see the inspection report before
/// anything changes, then choose: *Distribute root certificate* (import it and hand its trust to the devices
/// first: a distribute-first rollover), *Proceed to import* (import and switch now, with the API's confirmation
/// when devices would lose the connection), or import only.
extension Console {
    struct ImportForm: Sendable {
        var addresses: String
    }

    struct ImportReport: Sendable {
        struct Problem: Sendable {
            var code: String
            var message: String
        }
        var ok: Bool
        var errors: [Problem]
        var warnings: [Problem]
        var certificate: InspectionReportJSON.Certificate?
        /// Joined for the page (the certificate's own `sans` is a list, which the template would print as one).
        var sansText: String
        var upload: String?
        var files: String
        /// Stored, not computed: templates read properties by reflection.
        var hasErrors = false
        var hasWarnings = false
    }

    func registerImport(on pages: RouterGroup<AdminRequestContext>) {
        pages.get("certificates/import") { _, context in
            try await page("import", title: "Import a certificate", section: .certificates,
                           ImportForm(addresses: api.addresses.map(\.description).joined(separator: ", ")), context)
        }
        pages.post("certificates/import") { _, context in
            let form = try form(context)
            guard !form.files.isEmpty else {
                return try await page("import", title: "Import a certificate", section: .certificates,
                                      ImportForm(addresses: api.addresses.map(\.description).joined(separator: ", ")), context,
                                      status: .badRequest, error: "Choose the certificate file(s) to import (PFX, CER, CRT, PEM, key).")
            }
            let upload = UploadRequest(files: form.files.map { .init(name: $0.name, content: Data($0.bytes).base64EncodedString()) },
                                       password: form["password"], addresses: nil, hostName: form.text("hostName")?.lowercased())
            let report = try await api.inspect(upload)
            let kept = report.ok ? await uploads.keep(upload, owner: try visit(context).session.tokenSHA256) : nil
            var model = ImportReport(ok: report.ok, errors: report.errors.map { .init(code: $0.code.rawValue, message: $0.message) },
                                     warnings: report.warnings.map { .init(code: $0.code.rawValue, message: $0.message) },
                                     certificate: report.certificate, sansText: report.certificate?.sans.joined(separator: ", ") ?? "",
                                     upload: kept, files: form.files.map(\.name).joined(separator: ", "))
            model.hasErrors = !model.errors.isEmpty
            model.hasWarnings = !model.warnings.isEmpty
            return try await page("import-report", title: "Inspection report", section: .certificates, model, context,
                                  status: report.ok ? .ok : .unprocessableContent)
        }
        pages.post("certificates/import/{upload}") { _, context in
            let form = try form(context)
            guard let upload = await uploads.take(try context.parameters.require("upload"), owner: try visit(context).session.tokenSHA256) else {
                throw APIError(.gone, "upload-expired", "that upload is no longer kept (used, or older than 30 minutes); upload the files again")
            }
            let actor = try actor(context)
            let imported = try await api.importUpload(upload, actor: actor)
            guard let id = imported.certificate?.id else { throw APIError(.internalServerError, "import-failed", "the import returned no certificate") }
            switch form["action"] {
            case "distribute":
                let started = try await api.changes.start(certificateID: id, preset: .distributeFirst, delay: nil, addresses: nil, confirm: false,
                                                          actor: actor)
                let warnings = started.warnings.isEmpty ? "" : " " + started.warnings.joined(separator: " ")
                return await redirect("/console/rollovers/\(started.rollover.id)",
                                      notice: "Imported certificate #\(id); rollover #\(started.rollover.id) distributes its trust to the devices first.\(warnings)",
                                      context)
            case "proceed":
                do {
                    let activated = try await api.activate(false, id: id, actor: actor)
                    return await redirect("/console/certificates/\(id)",
                                          notice: "Imported certificate #\(id) and made it live (\(activated.devicesAtRisk) device(s) at risk).", context)
                } catch let refusal as APIError where refusal.code == "confirmation-required" {
                    return try await page("confirm", title: "Imported certificate #\(id): activate it now?", section: .certificates,
                                          ConfirmationPage(refusal, action: "/console/certificates/\(id)/activate",
                                                           alternative: "/console/certificates/\(id)"), context, status: .conflict)
                }
            default:
                return await redirect("/console/certificates/\(id)", notice: "Imported certificate #\(id); it is staged, not live.", context)
            }
        }
    }
}
