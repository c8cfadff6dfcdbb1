import Foundation

/// The rollover lifecycle as pure functions of state and `now`: no clock, no store, no network. The server's
/// scheduler calls it on a timer and at exact instants; the simulator and the tests call it in virtual time.
public enum Lifecycle {
    /// The open rollovers whose check or activation instant has come: their readiness must be in the state.
    public static func due(_ rollovers: [LifecycleRollover], live: [LiveCertificate], now: Date) -> [Int64] {
        rollovers.filter { isDue($0, live: live, now: now) }.map(\.id)
    }

    public static func decide(_ state: LifecycleState) -> [LifecycleDecision] {
        var decisions: [LifecycleDecision] = []
        for rollover in state.rollovers.sorted(by: { $0.id < $1.id }) where isDue(rollover, live: state.live, now: state.now) {
            decisions += waitingForHTTPSMode(decide(rollover, state), rollover, state.policy)
        }
        for certificate in state.live.sorted(by: { $0.id < $1.id }) {
            decisions += watch(certificate, state)
        }
        decisions += ignoredSettings(state.policy)
        decisions += enrollmentSpikes(state)
        return decisions.filter { decision in
            if case .alert(let alert) = decision { return !state.raisedAlerts.contains(alert.key) }
            return true
        }
    }

    /// Enrollments during a rollover beyond this share of the devices there were when it started (and at least
    /// `enrollmentSpikeFloor` of them) raise a warning once per rollover: a copied enrollment secret can enroll fake
    /// devices that hold a rollover below its threshold or push it over.
    public static let enrollmentSpikePercent = 10
    public static let enrollmentSpikeFloor = 10

    static func enrollmentSpikes(_ state: LifecycleState) -> [LifecycleDecision] {
        state.rollovers.sorted { $0.id < $1.id }.compactMap { rollover in
            guard rollover.preset != .trust, let during = state.enrolledDuring[rollover.id] else { return nil }
            let before = max(state.devices - during, 0)
            guard during >= enrollmentSpikeFloor, during * 100 > before * enrollmentSpikePercent else { return nil }
            return .alert(LifecycleAlert(
                key: "rollover-\(rollover.id)-enrollment-spike", severity: .warning, code: "enrollment-spike",
                message: "\(during) device(s) enrolled since rollover \(rollover.id) started, against \(before) before it: check the enrollment secrets in use (a copied secret can enroll devices that sway readiness)",
                rolloverID: rollover.id))
        }
    }

    /// One alert per stored setting that is out of range (and so ignored for its default), raised once per value.
    static func ignoredSettings(_ policy: LifecyclePolicy) -> [LifecycleDecision] {
        policy.ignoredSettings.sorted { $0.key < $1.key }.map { key, stored in
            let shown = stored.utf8.count > 40 ? String(stored.prefix(40)) + "…" : stored
            return .alert(LifecycleAlert(
                key: "setting-\(key)-\(stored.prefix(64))", severity: .warning, code: "setting-out-of-range",
                message: "the stored setting \(key) = \(shown) is out of range and ignored; the default \(ServerSettings.defaults[key] ?? "") applies until it is set again"))
        }
    }

    /// The next instant at which `decide` could answer differently without anything else changing (devices
    /// confirming only matter at a check, which is on this list). The server sleeps until then.
    public static func nextEvent(_ state: LifecycleState) -> Date? {
        var instants = state.rollovers.map(\.checkAt)
        for certificate in state.live {
            if let replacing = replacement(for: certificate, in: state.rollovers) {
                if replacing.preset.deliversReserve { instants.append(certificate.notAfter) }
            } else if certificate.source == .issued {
                instants.append(reissueInstant(certificate, state.policy))
            }
            if certificate.source == .imported {
                instants += state.policy.expiryAlertDays.map { certificate.notAfter.addingTimeInterval(-Double($0) * 86_400) }
            }
            instants.append(certificate.notAfter)
        }
        return instants.filter { $0 > state.now }.min()
    }

    // MARK: Rollovers

    private static func isDue(_ rollover: LifecycleRollover, live: [LiveCertificate], now: Date) -> Bool {
        guard rollover.certificateID != nil, rollover.preset != .trust, rollover.preset != .proceedNow else { return false }
        if now >= rollover.checkAt { return true }
        // A reserve also takes over the moment the certificate it replaces expires.
        return rollover.preset.deliversReserve && live.contains { $0.hostName == rollover.hostName && $0.source != .authority && now >= $0.notAfter }
    }

    private static func decide(_ rollover: LifecycleRollover, _ state: LifecycleState) -> [LifecycleDecision] {
        guard let target = rollover.certificateID else { return [] }
        let readiness = state.readiness[rollover.id]
        if rollover.preset.deliversReserve {
            var decisions: [LifecycleDecision] = [.activate(rolloverID: rollover.id, certificateID: target, readiness: readiness,
                                                            reason: state.now >= rollover.checkAt ? "the reserve's activation time came"
                                                                : "the certificate it replaces expired")]
            if let readiness, readiness.unconfirmed > 0 {
                decisions.append(.alert(LifecycleAlert(
                    key: "rollover-\(rollover.id)-activated-unready", severity: .warning, code: "rollover-activated-unready",
                    message: "rollover \(rollover.id): the reserve certificate was activated while \(readiness.unconfirmed) active device(s) had not confirmed it (\(readiness.summary))",
                    certificateID: target, rolloverID: rollover.id)))
            }
            return decisions
        }
        // Distribute first: activate when the readiness rule holds; otherwise extend day by day up to the deadline,
        // then apply the deadline policy. A held rollover keeps being checked and activates once ready.
        let policy = state.policy
        let current = readiness ?? Readiness(activeDevices: 0, confirmed: 0, stragglers: 0)
        if readiness != nil, current.holds(thresholdPercent: policy.readinessThresholdPercent) {
            return [.activate(rolloverID: rollover.id, certificateID: target, readiness: readiness,
                              reason: "the readiness rule holds: \(current.summary)")]
        }
        let extensions = rollover.extensions + 1
        if rollover.checkAt < rollover.deadline {
            let next = min(rollover.checkAt.addingTimeInterval(policy.recheckInterval), rollover.deadline)
            return [.extend(rolloverID: rollover.id, checkAt: next, extensions: extensions),
                    .alert(LifecycleAlert(key: "rollover-\(rollover.id)-extended-\(extensions)", severity: .info, code: "rollover-extended",
                                          message: "rollover \(rollover.id) not activated: \(current.summary); next check \(iso(next))",
                                          certificateID: target, rolloverID: rollover.id))]
        }
        switch policy.deadlinePolicy {
        case .activate:
            return [.activate(rolloverID: rollover.id, certificateID: target, readiness: readiness,
                              reason: "the deadline passed and the deadline policy is activate: \(current.summary)"),
                    .alert(LifecycleAlert(key: "rollover-\(rollover.id)-activated-unready", severity: .warning, code: "rollover-activated-unready",
                                          message: "rollover \(rollover.id) activated at its deadline although not ready: \(current.summary)",
                                          certificateID: target, rolloverID: rollover.id))]
        case .hold:
            let next = state.now.addingTimeInterval(policy.recheckInterval)
            return [.hold(rolloverID: rollover.id, checkAt: next, extensions: extensions),
                    .alert(LifecycleAlert(key: "rollover-\(rollover.id)-held-\(extensions)", severity: .critical, code: "rollover-held",
                                          message: "rollover \(rollover.id) is held on the old certificate past its deadline: \(current.summary); an administrator can proceed now or cancel",
                                          certificateID: target, rolloverID: rollover.id))]
        }
    }

    /// HTTPS mode off: no certificate change is served, so an activation (with the alerts that come with it) is
    /// replaced by one warning and the rollover stays open and due; it activates at the first decision after
    /// HTTPS mode is on again. Extensions and holds are not certificate changes and go on.
    private static func waitingForHTTPSMode(_ decisions: [LifecycleDecision], _ rollover: LifecycleRollover,
                                            _ policy: LifecyclePolicy) -> [LifecycleDecision] {
        guard !policy.httpsModeOn, decisions.contains(where: { if case .activate = $0 { true } else { false } }) else { return decisions }
        return [.alert(LifecycleAlert(
            key: "https-mode-off-\(rollover.id)", severity: .warning, code: "https-mode-off",
            message: "rollover \(rollover.id) is due to activate certificate \(rollover.certificateID.map(String.init) ?? "-") but HTTPS mode is off: no certificate change is served, and it activates once https-mode is on again",
            certificateID: rollover.certificateID, rolloverID: rollover.id))]
    }

    // MARK: Live certificates

    /// Automatic reissue for our own CA's certificates, expiry alerts for imported ones, and the loud alert when a
    /// live certificate expired with nothing to replace it.
    private static func watch(_ certificate: LiveCertificate, _ state: LifecycleState) -> [LifecycleDecision] {
        guard certificate.source != .authority else { return [] }
        let now = state.now, policy = state.policy
        if now >= certificate.notAfter {
            return [.alert(LifecycleAlert(key: "certificate-\(certificate.id)-expired", severity: .critical, code: "certificate-expired",
                                          message: "the live certificate \(certificate.id)\(host(certificate)) expired on \(iso(certificate.notAfter)): devices cannot connect",
                                          certificateID: certificate.id))]
        }
        let replacing = replacement(for: certificate, in: state.rollovers)
        if certificate.source == .issued {
            guard replacing == nil, now >= reissueInstant(certificate, policy) else { return [] }
            let activatesAt = RolloverPlanning.autoReissueActivation(currentExpiry: certificate.notAfter, now: now, policy: policy)
            return [.reissue(certificateID: certificate.id, hostName: certificate.hostName, activatesAt: activatesAt)]
        }
        // Imported: never reissued here; one alert per threshold crossed, the tightest only when several are.
        let daysLeft = certificate.notAfter.timeIntervalSince(now) / 86_400
        guard let threshold = policy.expiryAlertDays.filter({ daysLeft <= Double($0) }).min() else { return [] }
        let plan = replacing.map { " (rollover \($0.id) replaces it)" } ?? "; import its successor"
        return [.alert(LifecycleAlert(key: "certificate-\(certificate.id)-expiry-\(threshold)",
                                      severity: threshold <= 7 ? .critical : threshold <= 30 ? .warning : .info, code: "certificate-expiring",
                                      message: "the imported certificate \(certificate.id)\(host(certificate)) expires in \(Int(daysLeft.rounded(.up))) day(s) on \(iso(certificate.notAfter))\(plan)",
                                      certificateID: certificate.id))]
    }

    /// An automatic reserve is made `reissueLead` before expiry, or halfway through the certificate's life when
    /// that is later, so a short-lived certificate is not reissued the moment it goes live.
    static func reissueInstant(_ certificate: LiveCertificate, _ policy: LifecyclePolicy) -> Date {
        let lifetime = certificate.notAfter.timeIntervalSince(certificate.notBefore)
        return certificate.notAfter.addingTimeInterval(-min(policy.reissueLead, lifetime / 2))
    }

    private static func replacement(for certificate: LiveCertificate, in rollovers: [LifecycleRollover]) -> LifecycleRollover? {
        rollovers.first { $0.certificateID != nil && $0.hostName == certificate.hostName && $0.preset != .trust }
    }

    private static func host(_ certificate: LiveCertificate) -> String { certificate.hostName.map { " for \($0)" } ?? "" }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

extension Lifecycle {
    /// When the rollover will activate if readiness stays as it is now: reserve presets at their instant;
    /// distribute first at its next check when the rule holds now, at the deadline under the `activate` policy,
    /// otherwise not at all (nil: it will be extended, then held). Nil while HTTPS mode is off: nothing activates
    /// until it is on again.
    public static func projectedActivation(_ rollover: LifecycleRollover, readiness: Readiness, policy: LifecyclePolicy, now: Date) -> Date? {
        guard policy.httpsModeOn else { return nil }
        switch rollover.preset {
        case .trust: return nil
        case .proceedNow, .reserve, .autoReissue, .addressChange: return max(rollover.checkAt, now)
        case .distributeFirst:
            if readiness.holds(thresholdPercent: policy.readinessThresholdPercent) { return max(rollover.checkAt, now) }
            return policy.deadlinePolicy == .activate ? max(rollover.deadline, now) : nil
        }
    }
}
