import Foundation
import RolloverCore
import RolloverPKI
import RolloverStore

/// A certificate switched live by a rollover: the caller (the server, the simulator) makes it the served one.
public struct Activation: Sendable {
    public var rolloverID: Int64
    public var certificate: StoredCertificate
    public var readiness: Readiness?
}

/// "Proceed now" refused: active devices would lose the connection. Lists up to 100 of them.
public struct ConfirmationRequired: Error, Sendable {
    public var devicesAtRisk: Int
    public var devices: [DeviceRecord]
}

/// An activation refused because the `https-mode` setting is off: no certificate change is served until it is on.
public struct HTTPSModeOff: Error, Sendable, CustomStringConvertible {
    public var description: String {
        "HTTPS mode is off: no certificate change is served until it is on again; switch HTTPS mode on first (rollover settings https-mode on)"
    }

    public init() {}
}

/// Starting, cancelling and forcing rollovers: the administrator's side of the lifecycle.
public struct RolloverOperations: Sendable {
    let context: ServiceContext

    public init(_ context: ServiceContext) { self.context = context }

    /// Proves a chain and its key work together before they go live (the server builds a TLS context; the
    /// simulator accepts).
    public typealias Prove = @Sendable (StoredCertificate) async throws -> Void

    public struct Started: Sendable {
        public var rollover: RolloverRecord
        public var warnings: [String]
        /// Set when the rollover switched at once (proceed now).
        public var activation: Activation?
        /// Proceed now: the active devices that held no trust for the target when the switch was confirmed.
        public var devicesAtRisk: Int
    }

    /// Starts a rollover of `preset` for a staged certificate. Proceed now is refused with `HTTPSModeOff` while the
    /// `https-mode` setting is off; the other presets start (distributing trust material is what should happen
    /// beforehand) and activate through the lifecycle once it is on.
    /// - Parameters:
    ///   - delay: "after N days" for reserve and address change.
    ///   - addresses: an address change's new connection addresses, which the target must cover.
    ///   - confirm: proceed now even though active devices would lose the connection.
    public func start(certificateID: Int64, preset: RolloverPreset, delay: TimeInterval? = nil, addresses: [String]? = nil,
                      confirm: Bool = false, now: Date, prove: Prove) async throws -> Started {
        let store = context.store
        guard let target = try await store.certificate(id: certificateID) else { throw StoreError(.notFound, "no certificate \(certificateID)") }
        guard target.state == .staged else {
            throw StoreError(.conflict, "certificate \(certificateID) is \(target.state.rawValue); only a staged certificate can start a rollover")
        }
        guard preset != .trust else { throw StoreError(.invalid, "a trust rollover is started by adding trust material") }
        if preset == .autoReissue, target.source != .issued {
            throw StoreError(.invalid, "automatic reissue is for certificates of the server's own CA")
        }
        if preset == .addressChange, addresses?.isEmpty ?? true {
            throw StoreError(.invalid, "an address change needs the new connection addresses")
        }
        let policy = try await store.lifecyclePolicy()
        let current = try await store.certificates(in: .active).first { $0.source != .authority && $0.hostName == target.hostName }
        let window = try RolloverPlanning.window(preset: preset, now: now, policy: policy, delay: delay, currentExpiry: current?.notAfter)
        var atRisk = 0
        if preset == .proceedNow {
            guard policy.httpsModeOn else { throw HTTPSModeOff() }
            atRisk = try await refuseUnlessConfirmed(target, confirm: confirm, now: now, policy: policy)
            try await prove(target)
        }
        let id = try await store.insertRollover(
            NewRollover(certificateID: certificateID, preset: preset.rawValue, createdAt: now, hostName: target.hostName, checkAt: window.checkAt,
                        deadline: window.deadline, reserveUntil: preset.deliversReserve ? window.checkAt : nil, addresses: addresses),
            artifacts: Self.material(for: target, at: now), actor: context.actor)
        var activation: Activation?
        if preset == .proceedNow {
            try await complete(id, target: target, at: now, detail: "proceed now: \(atRisk) active device(s) had not confirmed the trust material")
            activation = Activation(rolloverID: id, certificate: try await store.certificate(id: certificateID) ?? target, readiness: nil)
        }
        guard let rollover = try await store.rollover(id: id) else { throw StoreError(.notFound, "rollover \(id) vanished") }
        return Started(rollover: rollover, warnings: window.warnings, activation: activation, devicesAtRisk: atRisk)
    }

    /// An administrator's "proceed now" on an open rollover: activates at once (refused while active devices have
    /// not confirmed, unless `confirm`, and with `HTTPSModeOff` while the `https-mode` setting is off).
    public func proceed(rolloverID: Int64, confirm: Bool, now: Date, prove: Prove) async throws -> Activation {
        let store = context.store
        guard let rollover = try await store.rollover(id: rolloverID), rollover.state == .open else {
            throw StoreError(.conflict, "rollover \(rolloverID) is not open")
        }
        guard let targetID = rollover.certificateID, let target = try await store.certificate(id: targetID) else {
            throw StoreError(.conflict, "rollover \(rolloverID) distributes trust material only; there is nothing to activate")
        }
        let policy = try await store.lifecyclePolicy()
        guard policy.httpsModeOn else { throw HTTPSModeOff() }
        let atRisk = try await refuseUnlessConfirmed(target, confirm: confirm, now: now, policy: policy)
        try await prove(target)
        let readiness = try await store.readiness(rolloverID: rolloverID, activeSince: now.addingTimeInterval(-policy.activityWindow))
        try await complete(rolloverID, target: target, at: now,
                           detail: "proceed now by an administrator: \(readiness.summary); \(atRisk) active device(s) hold no trust for it")
        return Activation(rolloverID: rolloverID, certificate: try await store.certificate(id: targetID) ?? target, readiness: readiness)
    }

    /// The activation itself, every path's: the handover record devices need (if any) and the switch, in one transaction.
    public func complete(_ rolloverID: Int64, target: StoredCertificate, at now: Date, detail: String) async throws {
        guard let rollover = try await context.store.rollover(id: rolloverID) else { throw StoreError(.notFound, "no rollover \(rolloverID)") }
        let handover = try await HandoverWriter(context).record(activating: target, rollover: rollover, at: now)
        try await context.store.completeRollover(id: rolloverID, at: now, detail: detail, handover: handover, actor: context.actor)
    }

    public func cancel(rolloverID: Int64, now: Date) async throws {
        try await context.store.cancelRollover(id: rolloverID, at: now, actor: context.actor)
    }

    /// The active devices that hold nothing `target` is trusted through; throws unless there are none or `confirm`.
    private func refuseUnlessConfirmed(_ target: StoredCertificate, confirm: Bool, now: Date, policy: LifecyclePolicy) async throws -> Int {
        let fingerprints = try await TrustMaterial.fingerprints(trusting: target, store: context.store)
        let since = now.addingTimeInterval(-policy.activityWindow)
        let count = try await context.store.unconfirmedDeviceCount(fingerprints: fingerprints, activeSince: since)
        if count > 0, !confirm {
            throw ConfirmationRequired(devicesAtRisk: count,
                                       devices: try await context.store.unconfirmedDevices(fingerprints: fingerprints, activeSince: since, limit: 100))
        }
        return count
    }

    /// What devices must hold before `target` is served: its chain as anchors, or the leaf itself as a pin when it
    /// comes without one. Our own CA's root is standing material already.
    static func material(for target: StoredCertificate, at now: Date) -> [TrustArtifactRecord] {
        let chain = TrustMaterial.chain(of: target)
        if target.source == .issued { return [] }
        let certificates: [(der: [UInt8], role: TrustRole)] = chain.isEmpty ? [(target.der, .pin)] : chain.map { ($0, .anchor) }
        return certificates.compactMap { certificate in
            guard let parsed = ParsedCertificate.parse(der: certificate.der) else { return nil }
            return TrustArtifactRecord(sha256: parsed.sha256Fingerprint, der: certificate.der, subject: parsed.subject.description,
                                       notAfter: parsed.notAfter, role: certificate.role, addedAt: now)
        }
    }
}
