import Foundation
import Hummingbird
import RolloverCore

/// The audit log, newest first, a page at a time (the same keyset cursor as the API's `before=`).
extension Console {
    struct AuditLogPage: Sendable {
        struct Entry: Sendable {
            var id: Int64
            var at: ConsoleFormat.Time?
            var actor: String
            var action: String
            var subject: String
            var detail: String
        }
        var entries: [Entry]
        var nextPage: String?
        var paged: Bool
    }

    func registerAudit(on pages: RouterGroup<AdminRequestContext>) {
        pages.get("audit") { request, context in
            let before = request.uri.queryParameters.get("before", as: RecordID.self)?.value
            let audit = try await api.auditPage(limit: 100, before: before)
            let entries = audit.entries.map {
                AuditLogPage.Entry(id: $0.id, at: ConsoleFormat.time($0.at), actor: $0.actor, action: $0.action,
                                   subject: [$0.subjectKind, $0.subjectID.map { "#\($0)" }].compactMap { $0 }.joined(separator: " "),
                                   detail: $0.detail ?? "")
            }
            return try await page("audit", title: "Audit log", section: .audit,
                                  AuditLogPage(entries: entries, nextPage: audit.next.map { "/console/audit?before=\($0)" }, paged: before != nil), context)
        }
    }
}
