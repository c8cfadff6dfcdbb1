import Foundation
import RolloverCore
import RolloverPKI
import RolloverStore

/// Runs the pure lifecycle against the store at `now`: reads the state, asks `Lifecycle.decide`, and carries out
/// each decision (activation, extension, hold, automatic reissue, alerts). The server calls it from its scheduler
/// in real time; the simulator calls it in virtual time.
public struct LifecycleEngine: Sendable {
    let context: ServiceContext
    /// The configured connection addresses, used when a reissued certificate's own cannot be read.
    let addresses: [ConnectionAddress]

    public init(_ context: ServiceContext, addresses: [ConnectionAddress]) {
        self.context = context.acting(as: AuditActor("lifecycle"))
        self.addresses = addresses
    }

    public struct Outcome: Sendable {
        public var activations: [Activation] = []
        /// Alerts raised for the first time by this tick.
        public var alerts: [LifecycleAlert] = []
        /// Rollovers started by automatic reissue.
        public var reissued: [RolloverRecord] = []
        /// Trust material withdrawn because only retired certificates needed it (see `RetiredTrust`).
        public var withdrawn: [String] = []
        /// When the lifecycle should run next at the latest (nil: nothing scheduled).
        public var next: Date?
    }

    public func tick(now: Date, prove: RolloverOperations.Prove) async throws -> Outcome {
        var outcome = Outcome()
        var state = try await loadState(now: now)
        let decisions = Lifecycle.decide(state)
        for decision in decisions {
            switch decision {
            case .activate(let rolloverID, let certificateID, let readiness, let reason):
                do {
                    guard let target = try await context.store.certificate(id: certificateID) else { continue }
                    try await prove(target)
                    try await RolloverOperations(context).complete(rolloverID, target: target, at: now,
                                                                   detail: "\(reason)" + (readiness.map { "; \($0.summary)" } ?? ""))
                    outcome.activations.append(Activation(rolloverID: rolloverID, certificate: try await context.store.certificate(id: certificateID) ?? target,
                                                          readiness: readiness))
                } catch {
                    try await raise(LifecycleAlert(key: "rollover-\(rolloverID)-activation-failed-\(Int(now.timeIntervalSince1970 / 86_400))",
                                                   severity: .critical, code: "activation-failed",
                                                   message: "rollover \(rolloverID) could not activate certificate \(certificateID): \(error)",
                                                   certificateID: certificateID, rolloverID: rolloverID), now: now, into: &outcome)
                }
            case .extend(let rolloverID, let checkAt, let extensions):
                try await context.store.rescheduleRollover(id: rolloverID, checkAt: checkAt, extensions: extensions, heldAt: nil,
                                                           detail: "not ready: next check \(ISO8601DateFormatter().string(from: checkAt))", actor: context.actor)
            case .hold(let rolloverID, let checkAt, let extensions):
                let heldAt = state.rollovers.first { $0.id == rolloverID }?.heldAt ?? now
                try await context.store.rescheduleRollover(id: rolloverID, checkAt: checkAt, extensions: extensions, heldAt: heldAt,
                                                           detail: "held on the old certificate past the deadline", actor: context.actor)
            case .reissue(let certificateID, let hostName, let activatesAt):
                do {
                    outcome.reissued.append(try await reissue(certificateID, hostName: hostName, now: now, activatesAt: activatesAt))
                } catch {
                    try await raise(LifecycleAlert(key: "certificate-\(certificateID)-reissue-failed-\(Int(now.timeIntervalSince1970 / 86_400))",
                                                   severity: .critical, code: "reissue-failed",
                                                   message: "the automatic reissue of certificate \(certificateID) failed: \(error)",
                                                   certificateID: certificateID), now: now, into: &outcome)
                }
            case .alert(let alert):
                try await raise(alert, now: now, into: &outcome)
            }
        }
        outcome.withdrawn = try await RetiredTrust.withdraw(in: context, now: now, syncPeriod: state.policy.syncPeriod)
        // Records past `handover-retention` serve nobody: a device that old is refused by `handover-max-age` anyway.
        _ = try await context.store.deleteHandoverRecords(issuedBefore: now.addingTimeInterval(-state.policy.handoverRetention), actor: context.actor)
        // Only a change to rollovers or certificates moves the next instant; alerts alone do not.
        if decisions.contains(where: { if case .alert = $0 { false } else { true } }) {
            state = try await loadState(now: now, readiness: false)
        }
        outcome.next = Lifecycle.nextEvent(state)
        return outcome
    }

    /// The lifecycle's view of the store at `now`; readiness only for the rollovers that are due.
    public func loadState(now: Date, readiness: Bool = true) async throws -> LifecycleState {
        let store = context.store
        let policy = try await store.lifecyclePolicy()
        let rollovers = try await store.rollovers().filter { $0.state == .open }.compactMap { record -> LifecycleRollover? in
            guard let preset = RolloverPreset(rawValue: record.preset) else { return nil }
            return LifecycleRollover(id: record.id, preset: preset, certificateID: record.certificateID, hostName: record.hostName,
                                     createdAt: record.createdAt, checkAt: record.checkAt, deadline: record.deadline,
                                     extensions: record.extensions, heldAt: record.heldAt)
        }
        let live = try await store.certificates(in: .active).filter { $0.source != .authority }.map {
            LiveCertificate(id: $0.id, hostName: $0.hostName, notBefore: $0.notBefore, notAfter: $0.notAfter, source: $0.source)
        }
        var figures: [Int64: Readiness] = [:]
        if readiness {
            for id in Lifecycle.due(rollovers, live: live, now: now) {
                figures[id] = try await store.readiness(rolloverID: id, activeSince: now.addingTimeInterval(-policy.activityWindow))
            }
        }
        // Counted with readiness only: the reload after a tick's decisions feeds `nextEvent`, which does not use them.
        var enrolledDuring: [Int64: Int] = [:]
        for rollover in rollovers where readiness && rollover.preset != .trust {
            enrolledDuring[rollover.id] = try await store.devicesEnrolled(since: rollover.createdAt)
        }
        return LifecycleState(now: now, policy: policy, rollovers: rollovers, live: live, readiness: figures,
                              raisedAlerts: try await store.alertKeys(), devices: enrolledDuring.isEmpty ? 0 : try await store.deviceCount(),
                              enrolledDuring: enrolledDuring)
    }

    /// A new certificate from our CA for the same addresses, started as an `auto-reissue` rollover.
    private func reissue(_ certificateID: Int64, hostName: String?, now: Date, activatesAt: Date) async throws -> RolloverRecord {
        guard let current = try await context.store.certificate(id: certificateID) else { throw StoreError(.notFound, "no certificate \(certificateID)") }
        let names = ParsedCertificate.parse(der: current.der)?.subjectAlternativeNameTexts ?? []
        let wanted = names.compactMap { try? ConnectionAddress($0) }
        let id = try await AuthorityService(context).issueServerCertificate(for: wanted.isEmpty ? addresses : wanted, hostName: hostName, now: now)
        return try await RolloverOperations(context).start(certificateID: id, preset: .autoReissue, now: now, prove: { _ in }).rollover
    }

    private func raise(_ alert: LifecycleAlert, now: Date, into outcome: inout Outcome) async throws {
        if try await context.store.insertAlert(alert, at: now) { outcome.alerts.append(alert) }
    }
}
