import Foundation
import RolloverCore

extension SimulationReport {
    /// The summary for people: counts, the rollover's fate, who was cut off and who was left behind.
    public var text: String {
        var lines: [String] = []
        lines.append("Simulation: \(scenario), \(devices) devices, \(Self.number(days)) days, sync period \(SettingDuration.format(TimeInterval(syncPeriodSeconds))), seed \(seed)")
        lines.append("Fleet: " + DeviceBehaviour.allCases.map { "\(fleet[$0.rawValue] ?? 0) \($0.rawValue)" }.joined(separator: ", "))
        let overrides = settings.filter { $0.key != "sync-period-seconds" }.sorted { $0.key < $1.key }
        if !overrides.isEmpty { lines.append("Settings: " + overrides.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")) }
        lines.append("Scenario start: day \(Self.day(scenarioStartDay)) (the fleet enrolled on day 0; its live certificate expires on day \(Self.day(initialExpiryDay)))")
        if let devicesAtRisk = proceedNowDevicesAtRisk {
            lines.append(devicesAtRisk > 0
                ? "Proceed now without confirmation was refused: \(devicesAtRisk) active device(s) at risk; started again with confirmation"
                : "Proceed now was not refused: no active device at risk")
        }
        for earlier in rollovers.dropLast() {
            lines.append("Rollover \(earlier.id) (\(earlier.preset)) created on day \(Self.day(earlier.createdDay)) for certificate "
                         + "\(earlier.certificateID.map(String.init) ?? "none"): \(earlier.outcome): \(earlier.detail)")
        }
        if let rollover {
            lines.append("Rollover \(rollover.id) (\(rollover.preset)) created on day \(Self.day(rollover.createdDay)) for certificate \(rollover.certificateID.map(String.init) ?? "none")")
            for warning in rollover.warnings { lines.append("  warning: \(warning)") }
            lines.append("Outcome: \(rollover.outcome): \(rollover.detail)")
            if let activated = rollover.activatedDay {
                lines.append("  \(Self.day(activated - rollover.createdDay)) day(s) after the rollover was created")
            }
            if let readiness = rollover.readinessAtActivation { lines.append("  readiness at activation: \(readiness.summary)") }
            lines.append("  extensions: \(rollover.extensions)")
        } else {
            lines.append("Outcome: no rollover was started during the run")
        }
        for activation in activations {
            lines.append("Activation on day \(Self.day(activation.day)): rollover \(activation.rolloverID), certificate \(activation.certificateID); "
                         + "\(activation.expectedDevices) device(s) expected to stay connected")
        }
        lines.append("Alerts: " + (alerts.isEmpty ? "none" : alerts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")))
        if !deliveryCounts.isEmpty {
            lines.append("Deliveries at the end: " + DeliveryState.allCases.map { "\(deliveryCounts[$0.description] ?? 0) \($0)" }.joined(separator: ", "))
        }
        lines.append("Cut off: \(cutOff.count) device(s) could not connect after an activation (stragglers coming back included)")
        for example in cutOff.examples.prefix(5) {
            lines.append("  \(example.name) (id \(example.id.map(String.init) ?? "-"), \(example.behaviour)) on day \(Self.day(example.day)): \(example.reason)")
        }
        if cutOff.count > 5 { lines.append("  … \(cutOff.count - 5) more (--json lists 20 examples and every device)") }
        let walks = recovered.byRecordsWalked.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }.map { "\($0.value) walked \($0.key)" }.joined(separator: ", ")
        lines.append("Recovered: \(recovered.count) device(s) caught up through the signed handover chain, \(recovered.recordsWalked) record(s) in all"
                     + (walks.isEmpty ? "" : " (\(walks))"))
        let byBehaviour = stragglers.byBehaviour.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        lines.append("Stragglers: \(stragglers.count) device(s) never synced from the scenario's start on"
                     + (byBehaviour.isEmpty ? "" : " (\(byBehaviour))")
                     + "; \(stragglers.refusedIfReturningAtEnd) would be refused if they came back at the end")
        if !stragglers.ids.isEmpty {
            let shown = stragglers.ids.prefix(20).map(String.init).joined(separator: ", ")
            lines.append("  ids: \(shown)" + (stragglers.ids.count > 20 ? " … and \(stragglers.ids.count - 20) more" : ""))
        }
        if enrollmentRefused.count > 0 {
            lines.append("Enrollments refused: \(enrollmentRefused.count) device(s) could not verify the server with their enrollment file")
            if let first = enrollmentRefused.examples.first { lines.append("  \(first.name) on day \(Self.day(first.day)): \(first.reason)") }
        }
        if refusedBeforeActivation > 0 { lines.append("Refused before any activation: \(refusedBeforeActivation) device(s) (unexpected)") }
        lines.append(consistency.isEmpty ? "Consistency: the simulator's mirror agrees with the store"
                     : "Consistency: \(consistency.count) difference(s) between the simulator and the store:\n" + consistency.map { "  \($0)" }.joined(separator: "\n"))
        var run = "Simulated \(syncs) syncs and \(refusedConnections) refused connection(s)"
        if let performance {
            run += " in \(String(format: "%.1f", performance.wallSeconds)) s (\(Int(performance.syncsPerSecond.rounded())) syncs/s)"
        }
        lines.append(run)
        if let performance, !performance.phases.isEmpty {
            let known = performance.phases.filter { $0.key != "report" }.values.reduce(0, +)
            let parts = performance.phases.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1f", $0.value)) s" }
            lines.append("  time: " + (parts + ["devices \(String(format: "%.1f", max(0, performance.wallSeconds - known))) s"]).joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    static func day(_ value: Double) -> String { String(format: "%.2f", value) }

    static func number(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
}
