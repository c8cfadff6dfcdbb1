import Foundation
import Hummingbird
import RolloverCore
import RolloverService
import RolloverStore

/// The overview: the live certificate per host name with its days left, the reserve or rollover in progress and
/// when it activates, alerts, and the next thing the lifecycle will do.
extension Console {
    struct Overview: Sendable {
        struct Live: Sendable {
            var id: Int64
            var hostName: String
            var subject: String
            var source: String
            var notAfter: ConsoleFormat.Time?
            var daysLeft: Int
            var level: String
        }
        struct Pending: Sendable {
            var id: Int64
            var preset: String
            var certificateID: Int64?
            var hostName: String
            var whenText: String
            var when: ConsoleFormat.Time?
            var confirmed: String
        }
        struct Alert: Sendable {
            var severity: String
            var code: String
            var message: String
            var at: ConsoleFormat.Time?
        }
        var live: [Live]
        var pending: [Pending]
        var alerts: [Alert]
        var nextEvent: ConsoleFormat.Time?
        var nextEventText: String?
        var nextEventRelative: String?
    }

    func registerOverview(on pages: RouterGroup<AdminRequestContext>) {
        pages.get("") { _, context in
            try await page("overview", title: "Overview", section: .overview, try await overview(now: Date()), context)
        }
    }

    private func overview(now: Date) async throws -> Overview {
        let state = try await LifecycleEngine(api.context, addresses: api.addresses).loadState(now: now, readiness: false)
        let certificates = try await store.certificates(in: .active).filter { $0.source != .authority }
        let live = certificates.sorted { ($0.hostName ?? "") < ($1.hostName ?? "") }.map { certificate in
            let days = Int((certificate.notAfter.timeIntervalSince(now) / 86_400).rounded(.down))
            return Overview.Live(id: certificate.id, hostName: certificate.hostName ?? "default (no SNI)", subject: certificate.subject,
                                 source: certificate.source.rawValue, notAfter: ConsoleFormat.time(certificate.notAfter), daysLeft: days,
                                 level: ConsoleFormat.expiryLevel(daysLeft: days))
        }
        var pending: [Overview.Pending] = []
        for record in try await store.rollovers() where record.state == .open {
            let details = try await RolloverAdminAPI(context: api.context, changes: api.changes).details(record)
            let projected = details.projectedActivation.flatMap { try? Date($0, strategy: .iso8601) }
            let preset = RolloverPreset(rawValue: record.preset)
            let whenText = preset == .trust ? "distributing trust material"
                : projected.map { "activates \(ConsoleFormat.relative($0, now: now))" }
                ?? (state.policy.httpsModeOn ? "held: not ready by the deadline" : "waits for HTTPS mode")
            pending.append(Overview.Pending(id: record.id, preset: record.preset, certificateID: record.certificateID,
                                            hostName: record.hostName ?? "default", whenText: whenText, when: ConsoleFormat.time(projected),
                                            confirmed: details.readiness.summary))
        }
        let alerts = try await store.alerts(limit: 10).map {
            Overview.Alert(severity: $0.alert.severity.rawValue, code: $0.alert.code, message: $0.alert.message, at: ConsoleFormat.time($0.at))
        }
        let next = Lifecycle.nextEvent(state)
        return Overview(live: live, pending: pending, alerts: alerts, nextEvent: ConsoleFormat.time(next),
                        nextEventText: next.map { describe($0, state) }, nextEventRelative: next.map { ConsoleFormat.relative($0, now: now) })
    }

    /// What happens at the lifecycle's next instant, in words.
    private func describe(_ instant: Date, _ state: LifecycleState) -> String {
        if let rollover = state.rollovers.first(where: { $0.checkAt == instant }) {
            return rollover.preset == .distributeFirst
                ? "rollover #\(rollover.id): readiness check (activates if the devices are ready)"
                : "rollover #\(rollover.id) (\(rollover.preset.rawValue)): activation"
        }
        if let certificate = state.live.first(where: { $0.notAfter == instant }) {
            return "certificate #\(certificate.id) expires"
        }
        if let certificate = state.live.first(where: { $0.source == .issued }) {
            return "certificate #\(certificate.id): automatic reissue or expiry check"
        }
        return "expiry alert check"
    }
}
