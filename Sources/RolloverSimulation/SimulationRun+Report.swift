import Foundation
import RolloverAgent
import RolloverCore
import RolloverService
import RolloverStore

extension SimulationRun {
    /// The report at the end of the run: the scenario rollover's fate from the store, the fleet from the simulator's
    /// records, and a check that the simulator's mirror of deliveries, last-seen times and trust stores agrees with
    /// the store.
    mutating func report() async throws -> SimulationReport {
        let elapsed = began.duration(to: .now)
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let endDate = date(end)
        let activeSince = endDate.addingTimeInterval(-policy.activityWindow)

        var rollovers: [SimulationReport.RolloverOutcome] = []
        for id in scenarioRolloverIDs {
            if let outcome = try await outcome(ofRollover: id, activeSince: activeSince) { rollovers.append(outcome) }
        }
        var deliveryCounts: [String: Int] = [:]
        var scenarioColumn: Int?
        if let id = scenarioRolloverID {
            for (state, count) in try await store.deliveryCounts(rolloverID: id) where count > 0 { deliveryCounts[state.description] = count }
            scenarioColumn = mirror.column(for: id)
        }

        let alertRecords = try await store.alerts(limit: 1_000_000).sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        var alerts: [String: Int] = [:]
        for record in alertRecords { alerts[record.alert.code, default: 0] += 1 }
        let alertExamples = alertRecords.prefix(20).map {
            SimulationReport.AlertExample(day: day(seconds($0.at)), code: $0.alert.code, severity: $0.alert.severity.rawValue, message: $0.alert.message)
        }

        // Cut off, recovered, stragglers, refused enrollments.
        var cutOff: [(Int64, Int)] = []
        var recovered: [(Int64, Int)] = []
        var stragglers: [Int] = []
        var refusedEnrollments: [(Int64, Int)] = []
        var refusedBeforeActivation = 0
        for slot in 0..<fleet.count {
            if fleet.refusedBeforeActivationAt[slot] != VirtualFleet.never { refusedBeforeActivation += 1 }
            if fleet.recoveredAt[slot] != VirtualFleet.never { recovered.append((fleet.recoveredAt[slot], slot)) }
            if fleet.cutOffAt[slot] != VirtualFleet.never {
                cutOff.append((fleet.cutOffAt[slot], slot))
            } else if fleet.deviceID[slot] != 0, fleet.firstSuccessInWindow[slot] == VirtualFleet.never {
                stragglers.append(slot)
            }
            if fleet.deviceID[slot] == 0, fleet.enrollmentRefusedAt[slot] != VirtualFleet.never {
                refusedEnrollments.append((fleet.enrollmentRefusedAt[slot], slot))
            }
        }
        cutOff.sort { $0 < $1 }
        recovered.sort { $0 < $1 }
        var recoveredByRecords: [String: Int] = [:]
        var recoveredByBehaviour: [String: Int] = [:]
        for (_, slot) in recovered {
            recoveredByRecords[String(fleet.walkedRecords[slot]), default: 0] += 1
            recoveredByBehaviour[fleet.behaviour[slot].rawValue, default: 0] += 1
        }
        refusedEnrollments.sort { $0 < $1 }
        var refusedIfReturning = 0
        var stragglersByBehaviour: [String: Int] = [:]
        for slot in stragglers {
            stragglersByBehaviour[fleet.behaviour[slot].rawValue, default: 0] += 1
            let trust = fleet.trust[slot]
            if case .refused = try await connect(trust: trust, host: host(of: trust, at: end - 1), at: end - 1, slot: slot) { refusedIfReturning += 1 }
        }

        let devicesAtEnd = (0..<fleet.count).map { slot in
            let enrolled = fleet.deviceID[slot] != 0
            return SimulationReport.DeviceAtEnd(
                id: enrolled ? fleet.deviceID[slot] : nil, name: fleet.name(slot), behaviour: fleet.behaviour[slot].rawValue,
                enrolledDay: enrolled ? day(fleet.enrollAt[slot]) : nil,
                host: enrolled ? hosts[host(of: fleet.trust[slot], at: end - 1)] : nil,
                lastSyncDay: fleet.lastSuccess[slot] == VirtualFleet.never ? nil : day(fleet.lastSuccess[slot]),
                deliveryState: scenarioColumn.flatMap { mirror.state($0, slot)?.description },
                deliveryAttempts: scenarioColumn.flatMap { mirror.state($0, slot) == nil ? nil : mirror.attempts($0, slot) },
                cutOffDay: fleet.cutOffAt[slot] == VirtualFleet.never ? nil : day(fleet.cutOffAt[slot]),
                recoveredDay: fleet.recoveredAt[slot] == VirtualFleet.never ? nil : day(fleet.recoveredAt[slot]),
                recordsWalked: Int(fleet.walkedRecords[slot]), legacy: fleet.legacy[slot],
                straggler: fleet.deviceID[slot] != 0 && fleet.cutOffAt[slot] == VirtualFleet.never && fleet.firstSuccessInWindow[slot] == VirtualFleet.never)
        }
        var fleetCounts: [String: Int] = [:]
        for behaviour in fleet.behaviour { fleetCounts[behaviour.rawValue, default: 0] += 1 }

        return SimulationReport(
            scenario: options.scenario.rawValue, seed: options.seed, devices: options.devices, days: options.days, syncPeriodSeconds: snapshot.syncPeriod,
            warmUpDays: day(windowStart), scenarioStartDay: day(windowStart),
            initialExpiryDay: day(seconds(setup.initialExpiry)), settings: setup.settings, startedAt: start, fleet: fleetCounts,
            rollover: rollovers.last, rollovers: rollovers, proceedNowDevicesAtRisk: devicesAtRisk, activations: activations, alerts: alerts, alertExamples: alertExamples,
            deliveryCounts: deliveryCounts,
            cutOff: .init(count: cutOff.count, examples: cutOff.prefix(20).map { example($0.1, at: $0.0, reason: fleet.cutOffReason[$0.1]) }),
            recovered: .init(count: recovered.count, recordsWalked: recovered.reduce(0) { $0 + Int(fleet.walkedRecords[$1.1]) },
                             byRecordsWalked: recoveredByRecords, byBehaviour: recoveredByBehaviour,
                             examples: recovered.prefix(20).map { recoveredAt, slot in
                                 SimulationReport.DeviceExample(id: fleet.deviceID[slot], name: fleet.name(slot), behaviour: fleet.behaviour[slot].rawValue,
                                                                day: day(recoveredAt), reason: "walked \(fleet.walkedRecords[slot]) handover record(s)")
                             }),
            stragglers: .init(count: stragglers.count, ids: stragglers.map { fleet.deviceID[$0] }, byBehaviour: stragglersByBehaviour,
                              refusedIfReturningAtEnd: refusedIfReturning),
            enrollmentRefused: .init(count: refusedEnrollments.count,
                                     examples: refusedEnrollments.prefix(20).map { example($0.1, at: $0.0, reason: fleet.enrollmentRefusedReason[$0.1]) }),
            refusedBeforeActivation: refusedBeforeActivation, syncs: syncs, refusedConnections: refusedConnections,
            consistency: try await consistency(), devicesAtEnd: devicesAtEnd,
            performance: .init(wallSeconds: wall, syncsPerSecond: wall > 0 ? Double(syncs) / wall : 0, storeReportsWritten: recorder.rowsWritten,
                               stepCacheHits: cache.hits, stepCacheMisses: cache.misses, trustEvaluations: cache.evaluations,
                               phases: phases.mapValues { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }))
    }

    /// What became of one of the scenario's rollovers, from the store.
    private func outcome(ofRollover id: Int64, activeSince: Date) async throws -> SimulationReport.RolloverOutcome? {
        guard let record = try await store.rollover(id: id) else { return nil }
        let activation = activations.first { $0.rolloverID == id }
        var outcome: String
        var detail: String
        var readinessAtEnd: Readiness?
        switch record.state {
        case .completed:
            outcome = "activated"
            detail = "activated on day \(Self.format(activation?.day ?? day(seconds(record.completedAt ?? record.checkAt))))"
        case .cancelled:
            outcome = "cancelled"
            detail = "cancelled on day \(Self.format(day(seconds(record.completedAt ?? record.checkAt))))"
        case .open:
            readinessAtEnd = try await store.readiness(rolloverID: id, activeSince: activeSince)
            if let heldAt = record.heldAt {
                outcome = "held"
                detail = "held on the old certificate since day \(Self.format(day(seconds(heldAt)))), past its deadline (day \(Self.format(day(seconds(record.deadline)))))"
            } else if RolloverPreset(rawValue: record.preset)?.deliversReserve == true {
                outcome = "not activated"
                detail = "activates on day \(Self.format(day(seconds(record.checkAt)))), after the end of the run"
            } else {
                outcome = "not activated"
                detail = "next readiness check on day \(Self.format(day(seconds(record.checkAt)))) (deadline day \(Self.format(day(seconds(record.deadline)))))"
            }
            if let readinessAtEnd { detail += "; at the end \(readinessAtEnd.summary)" }
        }
        var validFrom: Date?
        if let certificateID = record.certificateID { validFrom = try await store.certificate(id: certificateID)?.notBefore }
        return .init(id: id, preset: record.preset, certificateID: record.certificateID,
                     certificateValidFromDay: validFrom.map { day(seconds($0)) }, createdDay: day(seconds(record.createdAt)),
                     outcome: outcome, detail: detail, activatedDay: record.state == .completed ? activation?.day : nil,
                     extensions: record.extensions, heldDay: record.heldAt.map { day(seconds($0)) },
                     readinessAtActivation: activation?.readiness, readinessAtEnd: readinessAtEnd, warnings: warnings[id] ?? [])
    }

    /// The host a device with this trust store connects to at `time`.
    private func host(of trust: Int32, at time: Int64) -> Int32 {
        time >= storeReserveAt[Int(trust)] ? storeReserveHost[Int(trust)] : storeHost[Int(trust)]
    }

    private func example(_ slot: Int, at time: Int64, reason: Int32) -> SimulationReport.DeviceExample {
        SimulationReport.DeviceExample(id: fleet.deviceID[slot] == 0 ? nil : fleet.deviceID[slot], name: fleet.name(slot),
                                       behaviour: fleet.behaviour[slot].rawValue, day: day(time), reason: reason < 0 ? "" : reasons[reason])
    }

    /// Where the simulator's mirror and the store disagree: delivery counts per rollover, and for a sample of
    /// devices their deliveries, last-seen time and recorded trust store.
    func consistency() async throws -> [String] {
        var problems: [String] = []
        for rolloverID in mirror.rolloverIDs {
            guard let column = mirror.column(for: rolloverID) else { continue }
            let stored = try await store.deliveryCounts(rolloverID: rolloverID).filter { $0.value != 0 }
            let mirrored = mirror.counts(column)
            if stored != mirrored {
                problems.append("rollover \(rolloverID): the store counts \(Self.describe(stored)), the simulator \(Self.describe(mirrored))")
            }
        }
        let enrolled = (0..<fleet.count).filter { fleet.deviceID[$0] != 0 }
        let step = max(1, enrolled.count / 200)
        for slot in stride(from: 0, to: enrolled.count, by: step).map({ enrolled[$0] }) {
            let id = fleet.deviceID[slot]
            let deliveries = try await store.deviceDeliveries(deviceID: id)
            for rolloverID in mirror.rolloverIDs {
                guard let column = mirror.column(for: rolloverID) else { continue }
                let stored = deliveries.first { $0.rolloverID == rolloverID }
                let state = mirror.state(column, slot)
                let updatedAt = mirror.updatedAt(column, slot)
                let attempts = mirror.attempts(column, slot)
                if stored?.state != state || (stored.map { Int64($0.updatedAt.timeIntervalSince1970) } ?? updatedAt) != updatedAt
                    || (stored?.attempts ?? attempts) != attempts {
                    problems.append("device \(id), rollover \(rolloverID): the store has \(stored.map { "\($0.state) since \($0.updatedAt), \($0.attempts) attempt(s)" } ?? "no delivery"), "
                                    + "the simulator \(state.map { "\($0) since \(Date(timeIntervalSince1970: TimeInterval(updatedAt))), \(attempts) attempt(s)" } ?? "none")")
                }
            }
            let lastSeen = try await store.device(id: id)?.lastSeenAt
            let expected = fleet.lastSuccess[slot] == VirtualFleet.never ? nil : date(fleet.lastSuccess[slot])
            if lastSeen != expected { problems.append("device \(id): last seen \(lastSeen.map { "\($0)" } ?? "never") in the store, \(expected.map { "\($0)" } ?? "never") in the simulator") }
            let sequence = try await store.device(id: id)?.handoverSequence ?? -1
            if sequence != fleet.reportedSequence[slot] {
                problems.append("device \(id): the store records handover sequence \(sequence), the simulator \(fleet.reportedSequence[slot])")
            }
            if try await store.deviceTrust(deviceID: id) != helds[fleet.reportedHeld[slot]] {
                problems.append("device \(id): the store records another trust store than the device last reported")
            }
            if problems.count > 20 { break }
        }
        return problems
    }

    private static func describe(_ counts: [DeliveryState: Int]) -> String {
        counts.isEmpty ? "none" : counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    static func format(_ day: Double) -> String { String(format: "%.2f", day) }
}
