import Foundation
import Hummingbird
import RolloverCore
import RolloverService
import RolloverStore

/// Devices: the enrolled fleet with filters and paging, and a device's page (what its trust store holds, its
/// deliveries and why they failed) with retry and retire.
extension Console {
    struct DeviceList: Sendable {
        struct Row: Sendable {
            var id: Int64
            var name: String
            var platform: String
            var agentVersion: String
            var enrolled: ConsoleFormat.Time?
            var lastSeen: ConsoleFormat.Time?
            var retired: Bool
            /// The handover record its last sync said its trust state is at ("—": not reported).
            var handover: String
        }
        var devices: [Row]
        var platforms: [RolloverPage.Option]
        var unseenDays: String
        var total: Int
        var nextPage: String?
    }

    struct DevicePage: Sendable {
        struct Delivery: Sendable {
            var rolloverID: Int64
            var state: String
            var reason: String
            var attempts: Int
            var updated: ConsoleFormat.Time?
            var failed: Bool
        }
        struct Held: Sendable {
            var sha256: String
            var subject: String
        }
        var device: DeviceList.Row
        /// Its trust state beside the newest handover record: up to date, or behind (it walks when it next connects).
        var handover: String
        var deliveries: [Delivery]
        var held: [Held]
        var hasFailed: Bool
    }

    func registerDevices(on pages: RouterGroup<AdminRequestContext>) {
        pages.get("devices") { request, context in
            let query = request.uri.queryParameters
            var filter = DeviceFilter()
            filter.platform = try AdminDeviceAPI.platform(request)
            let list = ConsoleListQuery(request: request)
            let unseen = list.unseen(now: Date())
            filter.seenBefore = unseen.seenBefore
            let limit = 50
            let devices = try await store.devices(matching: filter, afterID: query.get("after", as: RecordID.self)?.value, limit: limit)
            let page = DeviceList(
                devices: devices.map(deviceRow),
                platforms: [.init(value: "", label: "Any platform", selected: filter.platform == nil)]
                    + DevicePlatform.allCases.map { .init(value: $0.rawValue, label: $0.rawValue, selected: $0 == filter.platform) },
                unseenDays: unseen.days.map(String.init) ?? "", total: try await store.deviceCount(),
                nextPage: list.nextPage("/console/devices", shown: devices.count, limit: limit, lastID: devices.last?.id))
            return try await self.page("devices", title: "Devices", section: .devices, page, context)
        }
        pages.get("devices/{id}") { _, context in
            let id = try context.parameters.require("id", as: RecordID.self).value
            guard let device = try await store.device(id: id) else { throw APIError.notFound("no device \(id)") }
            let artifacts = Dictionary(try await store.trustArtifacts(includeWithdrawn: true).map { ($0.sha256, $0.subject) }, uniquingKeysWith: { a, _ in a })
            let deliveries = try await store.deviceDeliveries(deviceID: id).map {
                DevicePage.Delivery(rolloverID: $0.rolloverID, state: $0.state.description, reason: $0.reason ?? "", attempts: $0.attempts,
                                    updated: ConsoleFormat.time($0.updatedAt), failed: $0.state == .failed)
            }
            let held = try await store.deviceTrust(deviceID: id).map { DevicePage.Held(sha256: $0, subject: artifacts[$0] ?? "not a known artifact") }
            let latest = try await store.latestHandoverSequences()[""] ?? 0
            return try await page("device", title: "Device #\(id): \(device.name)", section: .devices,
                                  DevicePage(device: deviceRow(device), handover: Self.handoverState(device.handoverSequence, latest: latest),
                                             deliveries: deliveries, held: held, hasFailed: deliveries.contains { $0.failed }),
                                  context)
        }
        pages.post("devices/{id}/retry") { _, context in
            let id = try context.parameters.require("id", as: RecordID.self).value
            let retried = try await store.retryFailedDeliveries(rolloverID: nil, deviceID: id, at: Date(), actor: actor(context))
            return await redirect("/console/devices/\(id)", notice: "\(retried) failed delivery(ies) will be sent again at the device's next sync.", context)
        }
        pages.post("devices/{id}/retire") { _, context in
            let id = try context.parameters.require("id", as: RecordID.self).value
            try await store.retireDevice(id: id, actor: actor(context))
            return await redirect("/console/devices/\(id)", notice: "Device #\(id) is retired: it no longer counts for readiness and cannot sync.", context)
        }
    }

    private func deviceRow(_ device: DeviceRecord) -> DeviceList.Row {
        DeviceList.Row(id: device.id, name: device.name, platform: device.platform.rawValue, agentVersion: device.agentVersion ?? "",
                       enrolled: ConsoleFormat.time(device.enrolledAt), lastSeen: ConsoleFormat.time(device.lastSeenAt), retired: device.retiredAt != nil,
                       handover: device.handoverSequence.map(String.init) ?? "—")
    }

    static func handoverState(_ sequence: Int?, latest: Int) -> String {
        guard let sequence else { return "not reported yet (the newest handover record is \(latest))" }
        if sequence >= latest { return "at handover record \(sequence), the newest: up to date" }
        return "at handover record \(sequence) of \(latest): behind, it walks the missing records when it next connects"
    }
}
