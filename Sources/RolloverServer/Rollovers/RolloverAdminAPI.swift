import Foundation
import Hummingbird
import RolloverCore
import RolloverService
import RolloverStore

/// The admin routes for rollovers: start one with a preset, view its details and device table, retry, cancel,
/// proceed now; and the alerts the lifecycle raised.
struct RolloverAdminAPI: Sendable {
    let context: ServiceContext
    let changes: RolloverChanges

    func register(on admin: RouterGroup<AdminRequestContext>) {
        admin.get("rollovers") { _, _ in
            var answers: [RolloverSummary] = []
            for rollover in try await context.store.rollovers() {
                answers.append(RolloverSummary(rollover, counts: try await context.store.deliveryCounts(rolloverID: rollover.id)))
            }
            return answers
        }
        admin.post("rollovers") { request, requestContext in
            let body = try await request.decode(as: StartRolloverRequest.self, context: requestContext)
            guard let preset = RolloverPreset(rawValue: body.preset ?? RolloverPreset.distributeFirst.rawValue), preset != .trust else {
                throw APIError.badRequest("preset is one of \(RolloverPreset.allCases.filter { $0 != .trust }.map(\.rawValue).joined(separator: ", "))")
            }
            return try await changes.start(certificateID: body.certificateID, preset: preset, delay: body.delayDays.map { $0 * 86_400 },
                                           addresses: body.addresses, confirm: body.confirm == true, actor: try requestContext.requireActor())
        }
        admin.get("rollovers/{id}") { _, requestContext in
            try await details(try rollover(requestContext))
        }
        admin.get("rollovers/{id}/devices") { request, requestContext in
            let rollover = try await rollover(requestContext)
            let query = request.uri.queryParameters
            var filter = DeliveryFilter()
            filter.state = try AdminDeviceAPI.deliveryState(request)
            filter.platform = try AdminDeviceAPI.platform(request)
            filter.seenBefore = try query.get("seenBefore").map(AdminDeviceAPI.date)
            filter.seenAfter = try query.get("seenAfter").map(AdminDeviceAPI.date)
            let limit = min(max(query.get("limit", as: Int.self) ?? 100, 1), 1000)
            let rows = try await context.store.deliveryPage(rolloverID: rollover.id, filter: filter, afterDeviceID: query.get("after", as: RecordID.self)?.value,
                                                            limit: limit)
            return DeliveryPage(devices: rows.map(DeliveryRowSummary.init), next: rows.count == limit ? rows.last?.deviceID : nil)
        }
        admin.post("rollovers/{id}/retry") { _, requestContext in
            let rollover = try await rollover(requestContext)
            return RetryAnswer(retried: try await context.store.retryFailedDeliveries(rolloverID: rollover.id, deviceID: nil, at: Date(),
                                                                                    actor: try requestContext.requireActor()))
        }
        admin.post("rollovers/{id}/cancel") { _, requestContext in
            let rollover = try await rollover(requestContext)
            try await changes.cancel(rolloverID: rollover.id, actor: try requestContext.requireActor())
            return try await details(try await self.rollover(id: rollover.id))
        }
        admin.post("rollovers/{id}/proceed") { request, requestContext in
            let rollover = try await rollover(requestContext)
            try await changes.proceed(rolloverID: rollover.id, confirm: request.uri.queryParameters.get("confirm") == "true",
                                      actor: try requestContext.requireActor())
            return try await details(try await self.rollover(id: rollover.id))
        }
        admin.get("alerts") { request, _ in
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 1000)
            return AlertPage(alerts: try await context.store.alerts(limit: limit).map(AlertSummary.init))
        }
    }

    private func rollover(_ requestContext: AdminRequestContext) async throws -> RolloverRecord {
        try await rollover(id: try requestContext.parameters.require("id", as: RecordID.self).value)
    }

    func rollover(id: Int64) async throws -> RolloverRecord {
        guard let rollover = try await context.store.rollover(id: id) else { throw APIError.notFound("no rollover \(id)") }
        return rollover
    }

    func details(_ rollover: RolloverRecord) async throws -> RolloverDetails {
        let now = Date()
        let policy = try await context.store.lifecyclePolicy()
        let readiness = try await context.store.readiness(rolloverID: rollover.id, activeSince: now.addingTimeInterval(-policy.activityWindow))
        let projected = RolloverPreset(rawValue: rollover.preset).flatMap { preset -> Date? in
            guard rollover.state == .open else { return nil }
            let view = LifecycleRollover(id: rollover.id, preset: preset, certificateID: rollover.certificateID, hostName: rollover.hostName,
                                         createdAt: rollover.createdAt, checkAt: rollover.checkAt, deadline: rollover.deadline,
                                         extensions: rollover.extensions, heldAt: rollover.heldAt)
            return Lifecycle.projectedActivation(view, readiness: readiness, policy: policy, now: now)
        }
        return RolloverDetails(rollover: RolloverSummary(rollover, counts: try await context.store.deliveryCounts(rolloverID: rollover.id)),
                               readiness: readiness, readinessThresholdPercent: policy.readinessThresholdPercent,
                               readinessHolds: readiness.holds(thresholdPercent: policy.readinessThresholdPercent),
                               projectedActivation: iso(projected), handover: try await handoverStanding(host: rollover.hostName))
    }

    func handoverStanding(host: String?) async throws -> HandoverStanding {
        let chain = HandoverWriter.chainHost(host)
        let latest = try await context.store.latestHandoverSequences()[chain] ?? 0
        return HandoverStanding(host: chain, latest: latest, devicesBehind: latest == 0 ? 0 : try await context.store.devicesBehind(handoverSequence: latest))
    }
}
