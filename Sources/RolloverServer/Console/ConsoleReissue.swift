import Foundation
import Hummingbird
import RolloverCore
import RolloverService

/// The reissue dialog with the two choices of Kaspersky Security Center's: the connection address (keep it, or
/// change it to another) and the activation (immediately, or after N days). Immediately goes through the API's
/// confirmation when devices would lose the connection; after N days hands the certificate to the devices as a
/// reserve first and shows the planning warnings.
extension Console {
    struct ReissueForm: Sendable {
        var current: String
        var addresses: String
        var delayDays: String
        var changeAddress: Bool
        var after: Bool
    }

    func registerReissue(on pages: RouterGroup<AdminRequestContext>) {
        pages.get("certificates/reissue") { _, context in
            try await reissuePage(ReissueForm(current: currentAddresses, addresses: "", delayDays: "30", changeAddress: false, after: true),
                                  context, status: .ok, error: nil)
        }
        pages.post("certificates/reissue") { _, context in
            let form = try form(context)
            let changeAddress = form["addressChoice"] == "change"
            let after = form["activation"] != "now"
            let echo = ReissueForm(current: currentAddresses, addresses: form["addresses"] ?? "", delayDays: form["delayDays"] ?? "",
                                   changeAddress: changeAddress, after: after)
            var body = ReissueRequest()
            if changeAddress {
                let addresses = (form["addresses"] ?? "").split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
                guard !addresses.isEmpty else {
                    return try await reissuePage(echo, context, status: .badRequest, error: "Enter the new connection address(es), or keep the current ones.")
                }
                body.addresses = addresses
            }
            if after {
                guard let days = form.text("delayDays").flatMap(Double.init), days > 0 else {
                    return try await reissuePage(echo, context, status: .badRequest, error: "Enter after how many days the new certificate activates (1 or more).")
                }
                body.delayDays = days
            }
            let actor = try actor(context)
            let reissued: ReissueResponse
            do { reissued = try await api.reissue(body, actor: actor) } catch let refusal as APIError {
                return try await reissuePage(echo, context, status: refusal.status, error: "\(refusal.message) (\(refusal.code))")
            }
            let id = reissued.certificate.id
            if let rollover = reissued.rollover {
                let warnings = reissued.warnings.isEmpty ? "" : " Warnings: " + reissued.warnings.joined(separator: " ")
                return await redirect("/console/rollovers/\(rollover.id)",
                                      notice: "Reissued certificate #\(id); it is handed to the devices as a reserve and activates \(rollover.checkAt ?? "later").\(warnings)",
                                      context)
            }
            do {
                _ = try await api.activate(false, id: id, actor: actor)
                return await redirect("/console/certificates/\(id)", notice: "Reissued certificate #\(id) and made it live.", context)
            } catch let refusal as APIError where refusal.code == "confirmation-required" {
                return try await page("confirm", title: "Reissued certificate #\(id): activate it now?", section: .certificates,
                                      ConfirmationPage(refusal, action: "/console/certificates/\(id)/activate", alternative: "/console/certificates/\(id)"),
                                      context, status: .conflict)
            }
        }
    }

    private var currentAddresses: String { api.addresses.map(\.description).joined(separator: ", ") }

    private func reissuePage(_ form: ReissueForm, _ context: AdminRequestContext, status: HTTPResponse.Status, error: String?) async throws -> Response {
        try await page("reissue", title: "Reissue the server certificate", section: .certificates, form, context, status: status, error: error)
    }
}
