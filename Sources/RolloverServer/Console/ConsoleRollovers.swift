import Foundation
import Hummingbird
import RolloverCore
import RolloverService
import RolloverStore

/// Rollovers: the list, starting one from a certificate's page, and "View Details": counts by delivery state, the
/// chart of confirmed devices with the threshold and deadline, the projected activation, and the device table
/// with filters, paging and retry (one device or every failed one); cancel and proceed now.
extension Console {
    struct RolloverRow: Sendable {
        var id: Int64
        var preset: String
        var state: String
        var certificateID: Int64?
        var hostName: String
        var created: ConsoleFormat.Time?
        var checkAt: ConsoleFormat.Time?
        var installed: Int
        var total: Int
    }

    struct RolloverList: Sendable {
        var rollovers: [RolloverRow]
    }

    struct RolloverPage: Sendable {
        struct Count: Sendable {
            var state: String
            var count: Int
        }
        struct Option: Sendable {
            var value: String
            var label: String
            var selected: Bool
        }
        struct Row: Sendable {
            var deviceID: Int64
            var name: String
            var platform: String
            var lastSeen: ConsoleFormat.Time?
            var state: String
            var attempts: Int
            var reason: String
            var updated: ConsoleFormat.Time?
            var failed: Bool
        }
        var rollover: RolloverRow
        var open: Bool
        var counts: [Count]
        var failed: Int
        var hasFailed: Bool
        var readiness: String
        var readinessPercent: String
        var thresholdPercent: Int
        var readinessHolds: Bool
        var extensions: Int
        var held: ConsoleFormat.Time?
        var deadline: ConsoleFormat.Time?
        var completed: ConsoleFormat.Time?
        var projected: ConsoleFormat.Time?
        var projectedText: String
        var addresses: String?
        /// Where the rollover's handover chain stands and how many devices are behind it.
        var handover: String
        var chart: String
        var states: [Option]
        var platforms: [Option]
        var unseenDays: String
        var devices: [Row]
        var nextPage: String?
        var filtered: Bool
        var returnTo: String
    }

    func registerRollovers(on pages: RouterGroup<AdminRequestContext>) {
        pages.get("rollovers") { _, context in
            var rows: [RolloverRow] = []
            for record in try await store.rollovers().sorted(by: { $0.id > $1.id }) {
                rows.append(rolloverRow(record, counts: try await store.deliveryCounts(rolloverID: record.id)))
            }
            return try await page("rollovers", title: "Rollovers", section: .rollovers, RolloverList(rollovers: rows), context)
        }
        pages.post("rollovers") { _, context in
            let form = try form(context)
            guard let id = form.text("certificateID").flatMap(Int64.init) else { throw APIError.badRequest("choose a certificate") }
            guard let preset = form["preset"].flatMap(RolloverPreset.init(rawValue:)), preset != .trust else {
                throw APIError.badRequest("choose how the switch happens")
            }
            let delay = form.text("delayDays").flatMap(Double.init).map { $0 * 86_400 }
            do {
                let started = try await api.changes.start(certificateID: id, preset: preset, delay: delay, addresses: nil,
                                                          confirm: form["confirm"] == "true", actor: actor(context))
                let warnings = started.warnings.isEmpty ? "" : " Warnings: " + started.warnings.joined(separator: " ")
                return await redirect("/console/rollovers/\(started.rollover.id)",
                                      notice: "Started rollover #\(started.rollover.id) (\(preset.rawValue)).\(warnings)", context)
            } catch let refusal as APIError where refusal.code == "confirmation-required" {
                return try await page("confirm", title: "Switch to certificate #\(id) now?", section: .rollovers,
                                      ConfirmationPage(refusal, action: "/console/rollovers", alternative: "/console/certificates/\(id)",
                                                       fields: ["certificateID": String(id), "preset": preset.rawValue]),
                                      context, status: .conflict)
            } catch let refusal as APIError {
                return try await page("certificate", title: "Certificate #\(id)", section: .certificates, try await certificateDetail(id), context,
                                      status: refusal.status, error: "\(refusal.message) (\(refusal.code))")
            }
        }
        pages.get("rollovers/{id}") { request, context in
            let id = try context.parameters.require("id", as: RecordID.self).value
            return try await page("rollover", title: "Rollover #\(id): details", section: .rollovers, try await rolloverPage(id, request), context)
        }
        pages.post("rollovers/{id}/retry") { _, context in
            let id = try context.parameters.require("id", as: RecordID.self).value
            let form = try form(context)
            let device = form.text("deviceID").flatMap(Int64.init)
            let retried = try await store.retryFailedDeliveries(rolloverID: id, deviceID: device, at: Date(), actor: actor(context))
            let what = device.map { "device #\($0)" } ?? "every failed device"
            return await redirect(returnPath(form, fallback: "/console/rollovers/\(id)"),
                                  notice: "Retry for \(what): \(retried) delivery(ies) will be sent again at the next sync.", context)
        }
        pages.post("rollovers/{id}/cancel") { _, context in
            let id = try context.parameters.require("id", as: RecordID.self).value
            try await api.changes.cancel(rolloverID: id, actor: actor(context))
            return await redirect("/console/rollovers/\(id)", notice: "Rollover #\(id) was cancelled; its material is withdrawn from the devices.", context)
        }
        pages.post("rollovers/{id}/proceed") { _, context in
            let id = try context.parameters.require("id", as: RecordID.self).value
            let form = try form(context)
            do {
                try await api.changes.proceed(rolloverID: id, confirm: form["confirm"] == "true", actor: actor(context))
                return await redirect("/console/rollovers/\(id)", notice: "Rollover #\(id) switched now.", context)
            } catch let refusal as APIError where refusal.code == "confirmation-required" {
                return try await page("confirm", title: "Switch rollover #\(id) now?", section: .rollovers,
                                      ConfirmationPage(refusal, action: "/console/rollovers/\(id)/proceed", alternative: "/console/rollovers/\(id)"),
                                      context, status: .conflict)
            }
        }
    }

    func rolloverRow(_ record: RolloverRecord, counts: [DeliveryState: Int]) -> RolloverRow {
        RolloverRow(id: record.id, preset: record.preset, state: record.state.rawValue, certificateID: record.certificateID,
                    hostName: record.hostName ?? "default", created: ConsoleFormat.time(record.createdAt), checkAt: ConsoleFormat.time(record.checkAt),
                    installed: counts[.installed] ?? 0, total: counts.values.reduce(0, +))
    }

    /// A redirect target the form names, only within the console.
    private func returnPath(_ form: ConsoleForm, fallback: String) -> String {
        guard let path = form.text("returnTo"), path.hasPrefix("/console/"), !path.contains("//") else { return fallback }
        return path
    }

    private func rolloverPage(_ id: Int64, _ request: Request) async throws -> RolloverPage {
        let rolloverAPI = RolloverAdminAPI(context: api.context, changes: api.changes)
        let record = try await rolloverAPI.rollover(id: id)
        let details = try await rolloverAPI.details(record)
        let counts = try await store.deliveryCounts(rolloverID: id)
        let now = Date()
        let query = request.uri.queryParameters

        var filter = DeliveryFilter()
        filter.state = try AdminDeviceAPI.deliveryState(request)
        filter.platform = try AdminDeviceAPI.platform(request)
        let list = ConsoleListQuery(request: request)
        let unseen = list.unseen(now: now)
        filter.seenBefore = unseen.seenBefore
        let limit = 50
        let rows = try await store.deliveryPage(rolloverID: id, filter: filter, afterDeviceID: query.get("after", as: RecordID.self)?.value, limit: limit)

        let end = [record.completedAt, record.deadline, now].compactMap { $0 }.max() ?? now
        let span = end.timeIntervalSince(record.createdAt)
        let timeline = try await store.confirmationTimeline(rolloverID: id, bucketSeconds: max(1, Int(span / 120)))
        let readiness = details.readiness
        let threshold = Int((Double(readiness.activeDevices) * Double(details.readinessThresholdPercent) / 100).rounded(.up))
        let chart = ConfirmedDevicesChart(start: record.createdAt, end: end, confirmations: timeline, threshold: threshold,
                                          thresholdPercent: details.readinessThresholdPercent, activeDevices: readiness.activeDevices,
                                          deliveries: counts.values.reduce(0, +),
                                          firstCheck: record.preset == RolloverPreset.distributeFirst.rawValue ? record.checkAt : nil,
                                          deadline: record.deadline, now: now)

        let projected = details.projectedActivation.flatMap { try? Date($0, strategy: .iso8601) }
        return RolloverPage(
            rollover: rolloverRow(record, counts: counts), open: record.state == .open,
            counts: DeliveryState.allCases.map { RolloverPage.Count(state: $0.description, count: counts[$0] ?? 0) },
            failed: counts[.failed] ?? 0, hasFailed: (counts[.failed] ?? 0) > 0, readiness: readiness.summary, readinessPercent: String(format: "%.1f", readiness.percent),
            thresholdPercent: details.readinessThresholdPercent, readinessHolds: details.readinessHolds, extensions: record.extensions,
            held: ConsoleFormat.time(record.heldAt), deadline: ConsoleFormat.time(record.deadline), completed: ConsoleFormat.time(record.completedAt),
            projected: ConsoleFormat.time(projected),
            projectedText: record.state != .open ? "—" : projected.map { ConsoleFormat.relative($0, now: now) }
                ?? "not projected: the devices are not ready and the deadline policy holds (or HTTPS mode is off)",
            addresses: record.addresses?.joined(separator: ", "), handover: details.handover.summary, chart: chart.svg,
            states: [RolloverPage.Option(value: "", label: "Any state", selected: filter.state == nil)]
                + DeliveryState.allCases.map { .init(value: $0.description, label: $0.description, selected: $0 == filter.state) },
            platforms: [RolloverPage.Option(value: "", label: "Any platform", selected: filter.platform == nil)]
                + DevicePlatform.allCases.map { .init(value: $0.rawValue, label: $0.rawValue, selected: $0 == filter.platform) },
            unseenDays: unseen.days.map(String.init) ?? "",
            devices: rows.map {
                RolloverPage.Row(deviceID: $0.deviceID, name: $0.deviceName, platform: $0.platform.rawValue, lastSeen: ConsoleFormat.time($0.lastSeenAt),
                                 state: $0.state.description, attempts: $0.attempts, reason: $0.reason ?? "", updated: ConsoleFormat.time($0.updatedAt),
                                 failed: $0.state == .failed)
            },
            nextPage: list.nextPage("/console/rollovers/\(id)", shown: rows.count, limit: limit, lastID: rows.last?.deviceID),
            filtered: filter != DeliveryFilter() || query.get("after") != nil,
            returnTo: "/console/rollovers/\(id)" + (request.uri.query.map { "?\($0)" } ?? ""))
    }
}
