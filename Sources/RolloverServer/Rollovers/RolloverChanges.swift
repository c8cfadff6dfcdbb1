import Foundation
import RolloverCore
import RolloverPKI
import RolloverService
import RolloverStore

/// Every administrator's change to rollovers goes through here, so that each one is proven, swapped into the live
/// certificates when it activates, reflected in the trust material at once, and wakes the scheduler. While HTTPS
/// mode is off, an activation (proceed now, at start or on an open rollover) is refused with 409 `https-mode-off`
/// and nothing changes; rollovers that activate later start as usual and wait for HTTPS mode.
struct RolloverChanges: Sendable {
    let context: ServiceContext
    let live: LiveCertificates
    let material: TrustMaterial
    let scheduler: LifecycleScheduler
    let proofs: ProvenIdentities

    func start(certificateID: Int64, preset: RolloverPreset, delay: TimeInterval?, addresses: [String]?, confirm: Bool,
               actor: AuditActor) async throws -> StartedRollover {
        if let addresses {
            try RequestBounds.checkAddressCount(addresses.count)
            do { _ = try addresses.map { try ConnectionAddress($0) } } catch { throw APIError.badRequest("\(error)") }
        }
        let started = try await refusals {
            try await RolloverOperations(context.acting(as: actor)).start(certificateID: certificateID, preset: preset, delay: delay,
                                                                         addresses: addresses, confirm: confirm, now: Date(), prove: prove)
        }
        if let activation = started.activation { try await install(activation) }
        try await material.reload(now: Date())
        scheduler.poke()
        return StartedRollover(rollover: RolloverSummary(started.rollover, counts: try await context.store.deliveryCounts(rolloverID: started.rollover.id)),
                               warnings: started.warnings, activated: started.activation != nil, devicesAtRisk: started.devicesAtRisk)
    }

    func proceed(rolloverID: Int64, confirm: Bool, actor: AuditActor) async throws {
        let activation = try await refusals {
            try await RolloverOperations(context.acting(as: actor)).proceed(rolloverID: rolloverID, confirm: confirm, now: Date(), prove: prove)
        }
        try await install(activation)
        try await material.reload(now: Date())
        scheduler.poke()
    }

    func cancel(rolloverID: Int64, actor: AuditActor) async throws {
        try await RolloverOperations(context.acting(as: actor)).cancel(rolloverID: rolloverID, now: Date())
        try await material.reload(now: Date())
        scheduler.poke()
    }

    /// Refuses an "after N days" delay the rollover would refuse, before anything is issued for it.
    func check(delay: TimeInterval) async throws {
        let policy = try await context.store.lifecyclePolicy()
        try await refusals { try RolloverPlanning.check(delay: delay, policy: policy) }
    }

    /// Wakes the scheduler after a change that can move its next instant (settings, trust material).
    func changed() { scheduler.poke() }

    /// Refuses with 409 `https-mode-off` while the `https-mode` setting is off, for a change that would activate at
    /// once and has something to do first (a reissue with activate issues nothing then). `start` and `proceed`
    /// refuse on their own.
    func requireHTTPSMode() async throws {
        guard try await context.store.lifecyclePolicy().httpsModeOn else { throw Self.httpsModeOff(HTTPSModeOff()) }
    }

    private static func httpsModeOff(_ refusal: HTTPSModeOff) -> APIError { APIError(.conflict, "https-mode-off", refusal.description) }

    private var prove: RolloverOperations.Prove { proofs.prove }

    private func install(_ activation: Activation) async throws {
        live.install(try await proofs.take(activation.certificate), for: activation.certificate.hostName)
    }

    /// The service's refusals as API errors with their stable codes.
    private func refusals<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let refusal as ConfirmationRequired {
            throw APIError(.conflict, "confirmation-required",
                           "\(refusal.devicesAtRisk) active device(s) hold neither the new certificate nor a CA it chains to and would lose the connection; repeat with confirm=true to proceed",
                           details: ["devicesAtRisk": refusal.devicesAtRisk], devices: refusal.devices.map(DeviceSummary.init))
        } catch let refusal as HTTPSModeOff {
            throw Self.httpsModeOff(refusal)
        } catch let refusal as RolloverPlanning.Refusal {
            throw APIError(.badRequest, refusal.code, refusal.message)
        } catch let error as StoreError where error.code == .conflict {
            throw APIError(.conflict, "not-activatable", error.description)
        }
    }
}
