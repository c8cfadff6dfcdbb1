import Foundation
import RolloverCore
import RolloverPKI
import RolloverService
import RolloverStore
import X509

/// The scenario's changes of the server certificate, started as an administrator starts them (`RolloverOperations`).
extension SimulationRun {
    /// When each stage is due: the scenario's start, and for the chain two more `chainStageInterval` apart.
    static func stageTimes(_ options: SimulationOptions, windowStart: Int64, end: Int64) -> [Int64] {
        guard options.scenario == .chain else { return [windowStart] }
        let interval = Int64(SimulationOptions.chainStageInterval)
        return (0..<SimulationSetup.chainStages).map { windowStart + Int64($0) * interval }
    }

    /// Starts the next stage, or, while the rollover before it is still open, looks again in an hour: one change at a time.
    mutating func startStage(at time: Int64) async throws {
        if let previous = scenarioRolloverIDs.last, try await store.rollover(id: previous)?.state == .open {
            stageTimes[stagesStarted] = time + Self.tickInterval
            return
        }
        let stage = stagesStarted
        stagesStarted += 1
        try await startScenario(stage: stage, at: time)
    }

    private mutating func startScenario(stage: Int, at time: Int64) async throws {
        try await flush()
        let operations = RolloverOperations(context)
        let now = date(time)
        var started: RolloverOperations.Started?
        switch options.scenario {
        case .distributeFirst:
            started = try await operations.start(certificateID: try enterpriseTarget(), preset: .distributeFirst, now: now, prove: prove)
        case .chain:
            guard stage < setup.chainCertificateIDs.count else { throw SimulationError("no certificate was prepared for chain stage \(stage + 1)") }
            started = try await operations.start(certificateID: setup.chainCertificateIDs[stage], preset: .distributeFirst, now: now, prove: prove)
        case .proceedNow:
            let target = try enterpriseTarget()
            do {
                started = try await operations.start(certificateID: target, preset: .proceedNow, now: now, prove: prove)
                devicesAtRisk = 0
            } catch let refusal as ConfirmationRequired {
                devicesAtRisk = refusal.devicesAtRisk
                started = try await operations.start(certificateID: target, preset: .proceedNow, confirm: true, now: now, prove: prove)
            }
        case .reserve:
            let target = try await AuthorityService(context).issueServerCertificate(for: [try ConnectionAddress(SimulationSetup.address)], now: now)
            started = try await operations.start(certificateID: target, preset: .reserve, delay: options.reserveDelay, now: now, prove: prove)
        case .addressChange:
            let target = try await AuthorityService(context).issueServerCertificate(for: [try ConnectionAddress(SimulationSetup.newAddress)], now: now)
            started = try await operations.start(certificateID: target, preset: .addressChange, delay: options.reserveDelay,
                                                 addresses: [SimulationSetup.newAddress], now: now, prove: prove)
        case .autoReissue:
            break
        }
        if let started {
            scenarioRolloverID = started.rollover.id
            scenarioRolloverIDs.append(started.rollover.id)
            warnings[started.rollover.id] = started.warnings
            try await refresh(at: time)
            if let activation = started.activation {
                let readiness = try await store.readiness(rolloverID: activation.rolloverID, activeSince: now.addingTimeInterval(-policy.activityWindow))
                record(activation, readiness: readiness, at: time)
            }
        }
    }

    private func enterpriseTarget() throws -> Int64 {
        guard let id = setup.enterpriseCertificateID else { throw SimulationError("no enterprise certificate was prepared") }
        return id
    }

    /// The simulator proves a target as far as it can without TLS: its sealed key opens and belongs to it.
    var prove: RolloverOperations.Prove {
        { [context] certificate in
            guard let keyID = certificate.privateKeyID else { throw SimulationError("certificate \(certificate.id) has no private key") }
            let key = try await KeyRepository(context).load(id: keyID)
            guard try Certificate(derEncoded: certificate.der).publicKey == key.publicKey else {
                throw SimulationError("certificate \(certificate.id)'s key does not belong to it")
            }
        }
    }
}
