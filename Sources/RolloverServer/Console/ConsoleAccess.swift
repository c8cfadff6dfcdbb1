import Foundation
import Hummingbird
import RolloverCore
import RolloverService

/// Tokens and enrollment secrets: admin tokens (create, revoke) and the secrets devices enroll with (create, revoke).
/// A new token or secret is shown once, on the page that created it; only its hash is kept.
extension Console {
    struct AccessPage: Sendable {
        struct Token: Sendable {
            var name: String
            /// The name as one path segment of the revoke form's address (percent-encoded).
            var pathName: String
            var created: ConsoleFormat.Time?
            var revoked: ConsoleFormat.Time?
            var isCurrent: Bool
        }
        struct Secret: Sendable {
            var name: String
            var pathName: String
            var created: ConsoleFormat.Time?
            var expires: ConsoleFormat.Time?
            var revoked: ConsoleFormat.Time?
        }
        struct Created: Sendable {
            var kind: String
            var name: String
            var value: String
        }
        var tokens: [Token]
        var secrets: [Secret]
        var created: Created?
    }

    func registerAccess(on pages: RouterGroup<AdminRequestContext>) {
        pages.get("access") { _, context in
            try await page("access", title: "Tokens & enrollment secrets", section: .access, try await accessPage(created: nil, context), context)
        }
        pages.post("access/tokens") { _, context in
            let form = try form(context)
            let created = try await api.createToken(name: form.text("name") ?? "", actor: actor(context))
            return try await page("access", title: "Tokens & enrollment secrets", section: .access,
                                  try await accessPage(created: .init(kind: "admin token", name: created.name, value: created.token), context), context)
        }
        pages.post("access/tokens/{name}/revoke") { _, context in
            let name = try ConsoleFormat.pathName(context.parameters.require("name"))
            try await store.revokeAdminToken(name: name, actor: actor(context))
            return await redirect("/console/access", notice: "Admin token \(name) is revoked; its sessions end now.", context)
        }
        pages.post("access/secrets") { _, context in
            let form = try form(context)
            let days = form.text("expiresInDays").flatMap(Double.init)
            if let days, !(days > 0 && days <= AdminDeviceAPI.longestSecretLife / 86_400) {
                throw APIError.badRequest("an enrollment secret expires after more than 0 and at most 3650 days")
            }
            let created = try await AdminDeviceAPI(context: api.context, material: api.material)
                .createEnrollmentSecret(name: form.text("name") ?? "", expiresAt: days.map { Date().addingTimeInterval($0 * 86_400) }, actor: actor(context))
            return try await page("access", title: "Tokens & enrollment secrets", section: .access,
                                  try await accessPage(created: .init(kind: "enrollment secret", name: created.name, value: created.secret), context),
                                  context)
        }
        pages.post("access/secrets/{name}/revoke") { _, context in
            let name = try ConsoleFormat.pathName(context.parameters.require("name"))
            try await store.revokeEnrollmentSecret(name: name, actor: actor(context))
            return await redirect("/console/access", notice: "Enrollment secret \(name) is revoked; devices can no longer enroll with it.", context)
        }
    }

    private func accessPage(created: AccessPage.Created?, _ context: AdminRequestContext) async throws -> AccessPage {
        let me = context.actor?.name
        return AccessPage(
            tokens: try await store.adminTokens().map {
                .init(name: $0.name, pathName: ConsoleFormat.pathSegment($0.name), created: ConsoleFormat.time($0.createdAt), revoked: ConsoleFormat.time($0.revokedAt), isCurrent: $0.name == me)
            },
            secrets: try await store.enrollmentSecrets().map {
                .init(name: $0.name, pathName: ConsoleFormat.pathSegment($0.name), created: ConsoleFormat.time($0.createdAt), expires: ConsoleFormat.time($0.expiresAt), revoked: ConsoleFormat.time($0.revokedAt))
            },
            created: created)
    }
}
