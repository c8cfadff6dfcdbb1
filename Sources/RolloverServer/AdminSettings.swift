import Foundation
import RolloverCore
import RolloverService
import RolloverStore

/// Settings, health and the audit log: the admin routes' logic, shared with the console.
extension AdminAPI {
    /// Changes one setting as an administrator asks, for `PUT /api/v1/admin/settings/{key}` and the console's
    /// settings form alike: refuses an unknown key (`APIError` 404 `not-found`) or a value the setting does not take
    /// (400 `bad-request`); stores it with an audit entry naming `actor`; reloads the trust material devices are
    /// given; applies `https-mode` to the plain HTTP listeners at once; and wakes the scheduler, so that an
    /// activation that waited for HTTPS mode happens now and a changed period takes effect without a restart.
    /// - Returns: warnings for the administrator (switching HTTPS mode off says what stops), usually none.
    func setSetting(key: String, value: String, actor: AuditActor) async throws -> [String] {
        guard ServerSettings.defaults[key] != nil else {
            throw APIError.notFound("no setting \(key); settings: \(ServerSettings.keys.joined(separator: ", "))")
        }
        if let problem = ServerSettings.problem(key, value) { throw APIError.badRequest(problem) }
        try await context.store.setSetting(key, to: value, actor: actor)
        var warnings: [String] = []
        if key == "https-mode" {
            httpsMode.set(HTTPSMode.isOn(value))
            if let warning = httpsModeWarning { warnings.append(warning) }
            if !HTTPSMode.isOn(value) {
                let waiting = try await context.store.rollovers().filter {
                    $0.state == .open && $0.certificateID != nil && $0.preset != RolloverPreset.trust.rawValue
                }
                if !waiting.isEmpty {
                    warnings.append("\(waiting.count) open rollover(s) will not activate until HTTPS mode is on again: \(waiting.map { "\($0.id)" }.joined(separator: ", "))")
                }
            }
        }
        try await material.reload(now: Date())
        changes.changed()
        return warnings
    }

    /// What an administrator must know while HTTPS mode is off, nil while it is on: for the console's warning, and
    /// returned by `setSetting` when it is switched off.
    var httpsModeWarning: String? {
        guard !httpsMode.isOn else { return nil }
        let plain = plainListeners.isEmpty
            ? "no plain HTTP listener is configured (rollover serve --plain-listen HOST:PORT), so devices keep using HTTPS"
            : "the device API is also served over plain HTTP on \(plainListeners.joined(separator: ", "))"
        return "HTTPS mode is off: no certificate change is served until it is on again; \(plain)"
    }

    /// Liveness and the number of active served certificates (on the HTTPS and the plain listeners).
    func health() async throws -> Health {
        Health(status: "ok", activeCertificates: try await context.store.certificates(in: .active).filter { $0.source != .authority }.count)
    }

    /// A page of the audit log, newest first: `limit` entries with an id below `before` (all when nil), and the
    /// `before` of the next page (nil on the last one).
    func auditPage(limit: Int, before: Int64?) async throws -> AuditPage {
        let entries = try await context.store.auditLog(limit: limit + 1, before: before)
        let page = Array(entries.prefix(limit))
        return AuditPage(entries: page, next: entries.count > limit ? page.last?.id : nil)
    }
}
