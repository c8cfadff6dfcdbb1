import Foundation
import RolloverCore
import Testing

/// The lifecycle driven through virtual days: each test moves `now` and feeds back what the store would record.
@Suite("Rollover lifecycle in virtual time")
struct LifecycleTests {
    static let day: TimeInterval = 86_400
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = LifecyclePolicy()

    func at(_ days: Double) -> Date { start.addingTimeInterval(days * Self.day) }

    /// The live default certificate, imported, valid a year from before the start.
    func imported(expiresInDays days: Double = 200) -> LiveCertificate {
        LiveCertificate(id: 1, hostName: nil, notBefore: at(-100), notAfter: at(days), source: .imported)
    }

    func distributeFirst(policy: LifecyclePolicy? = nil) throws -> LifecycleRollover {
        let window = try RolloverPlanning.window(preset: .distributeFirst, now: start, policy: policy ?? self.policy, delay: nil, currentExpiry: at(200))
        return LifecycleRollover(id: 10, preset: .distributeFirst, certificateID: 2, createdAt: start, checkAt: window.checkAt, deadline: window.deadline)
    }

    /// Applies the decisions as the engine would, and returns them.
    func step(_ rollover: inout LifecycleRollover, now: Date, readiness: Readiness, policy: LifecyclePolicy? = nil,
              live: [LiveCertificate]? = nil, raised: inout Set<String>) -> [LifecycleDecision] {
        let state = LifecycleState(now: now, policy: policy ?? self.policy, rollovers: [rollover], live: live ?? [imported()],
                                   readiness: [rollover.id: readiness], raisedAlerts: raised)
        let decisions = Lifecycle.decide(state)
        for decision in decisions {
            switch decision {
            case .extend(_, let checkAt, let extensions), .hold(_, let checkAt, let extensions):
                rollover.checkAt = checkAt
                rollover.extensions = extensions
                if case .hold = decision { rollover.heldAt = rollover.heldAt ?? now }
            case .alert(let alert): raised.insert(alert.key)
            default: break
            }
        }
        return decisions
    }

    func activation(in decisions: [LifecycleDecision]) -> Int64? {
        decisions.lazy.compactMap { if case .activate(_, let certificate, _, _) = $0 { certificate } else { nil } }.first
    }

    let ready = Readiness(activeDevices: 3, confirmed: 3, stragglers: 1)
    let unready = Readiness(activeDevices: 3, confirmed: 2, stragglers: 0)

    @Test("distribute first does nothing before day 7, even when every device is ready")
    func nothingBeforeTheDistributionPeriod() throws {
        var rollover = try distributeFirst()
        var raised = Set<String>()
        for day in stride(from: 0.0, to: 7.0, by: 0.25) {
            #expect(step(&rollover, now: at(day), readiness: ready, raised: &raised).isEmpty, "day \(day)")
        }
        #expect(activation(in: step(&rollover, now: at(7), readiness: ready, raised: &raised)) == 2)
    }

    @Test("activation waits past day 7 while an active device has not confirmed, and comes at the next daily check once it has")
    func waitsForTheLastActiveDevice() throws {
        var rollover = try distributeFirst()
        var raised = Set<String>()
        let day7 = step(&rollover, now: at(7), readiness: unready, raised: &raised)
        #expect(activation(in: day7) == nil)
        #expect(day7.contains(.extend(rolloverID: 10, checkAt: at(8), extensions: 1)))
        #expect(raised.contains("rollover-10-extended-1"))
        // Confirmed during day 7½: nothing happens until the day-8 check.
        #expect(step(&rollover, now: at(7.5), readiness: ready, raised: &raised).isEmpty)
        #expect(activation(in: step(&rollover, now: at(8), readiness: ready, raised: &raised)) == 2)
    }

    @Test("inactive devices are stragglers and do not hold activation back")
    func stragglersDoNotBlock() throws {
        var rollover = try distributeFirst()
        var raised = Set<String>()
        let stragglersOnly = Readiness(activeDevices: 10, confirmed: 10, stragglers: 40)
        #expect(activation(in: step(&rollover, now: at(7), readiness: stragglersOnly, raised: &raised)) == 2)
    }

    @Test("extension stops at day 21 and holds, alerting, then keeps checking daily and activates once ready")
    func extensionStopsAtDay21AndHolds() throws {
        var rollover = try distributeFirst()
        var raised = Set<String>()
        var day = 7.0
        while day < 21 {
            let decisions = step(&rollover, now: at(day), readiness: unready, raised: &raised)
            #expect(activation(in: decisions) == nil)
            #expect(rollover.checkAt == at(day + 1), "extended by one day on day \(day)")
            day += 1
        }
        #expect(rollover.extensions == 14)
        let deadline = step(&rollover, now: at(21), readiness: unready, raised: &raised)
        #expect(activation(in: deadline) == nil, "hold: the old certificate stays")
        #expect(deadline.contains(.hold(rolloverID: 10, checkAt: at(22), extensions: 15)))
        #expect(deadline.contains { if case .alert(let alert) = $0 { alert.code == "rollover-held" && alert.severity == .critical } else { false } })
        #expect(rollover.heldAt == at(21))
        let stillHeld = step(&rollover, now: at(22), readiness: unready, raised: &raised)
        #expect(stillHeld.contains(.hold(rolloverID: 10, checkAt: at(23), extensions: 16)))
        #expect(activation(in: step(&rollover, now: at(23), readiness: ready, raised: &raised)) == 2)
    }

    @Test("under the activate deadline policy, day 21 activates although devices are not ready, with a warning")
    func deadlinePolicyActivate() throws {
        var activate = policy
        activate.deadlinePolicy = .activate
        var rollover = try distributeFirst(policy: activate)
        rollover.checkAt = at(21)
        var raised = Set<String>()
        let decisions = step(&rollover, now: at(21), readiness: unready, policy: activate, raised: &raised)
        #expect(activation(in: decisions) == 2)
        #expect(raised.contains("rollover-10-activated-unready"))
    }

    @Test("a readiness threshold below 100% activates with the stated share confirmed")
    func percentageThreshold() throws {
        var threshold = policy
        threshold.readinessThresholdPercent = 90
        var rollover = try distributeFirst(policy: threshold)
        var raised = Set<String>()
        let ninetyOne = Readiness(activeDevices: 100, confirmed: 91, stragglers: 0)
        let eightyNine = Readiness(activeDevices: 100, confirmed: 89, stragglers: 0)
        #expect(activation(in: step(&rollover, now: at(7), readiness: eightyNine, policy: threshold, raised: &raised)) == nil)
        #expect(activation(in: step(&rollover, now: at(8), readiness: ninetyOne, policy: threshold, raised: &raised)) == 2)
    }

    @Test("settings shorten the window to seconds: the same rules, no code path of their own")
    func shortenedBySettings() throws {
        let values = ["distribution-period": "20s", "maximum-distribution-period": "60s", "readiness-recheck": "5s"]
        let fast = LifecyclePolicy(setting: { values[$0] })
        let window = try RolloverPlanning.window(preset: .distributeFirst, now: start, policy: fast, delay: nil, currentExpiry: nil)
        #expect(window.checkAt == start.addingTimeInterval(20))
        #expect(window.deadline == start.addingTimeInterval(60))
        var rollover = LifecycleRollover(id: 10, preset: .distributeFirst, certificateID: 2, createdAt: start, checkAt: window.checkAt, deadline: window.deadline)
        var raised = Set<String>()
        _ = step(&rollover, now: start.addingTimeInterval(20), readiness: unready, policy: fast, raised: &raised)
        #expect(rollover.checkAt == start.addingTimeInterval(25))
    }

    @Test("a reserve activates at its delay, whatever readiness says, and warns about unconfirmed devices")
    func reserveActivatesAtItsDelay() throws {
        let window = try RolloverPlanning.window(preset: .reserve, now: start, policy: policy, delay: 14 * Self.day, currentExpiry: at(200))
        #expect(window.checkAt == at(14))
        #expect(window.warnings.count == 1, "under 30 days warns: \(window.warnings)")
        var rollover = LifecycleRollover(id: 11, preset: .reserve, certificateID: 3, createdAt: start, checkAt: window.checkAt, deadline: window.deadline)
        var raised = Set<String>()
        #expect(step(&rollover, now: at(13.99), readiness: unready, raised: &raised).isEmpty)
        let decisions = step(&rollover, now: at(14), readiness: unready, raised: &raised)
        #expect(activation(in: decisions) == 3)
        #expect(raised.contains("rollover-11-activated-unready"))
    }

    @Test("a reserve activates at the old certificate's expiry if that comes first")
    func reserveActivatesAtExpiryIfSooner() throws {
        let window = try RolloverPlanning.window(preset: .reserve, now: start, policy: policy, delay: 40 * Self.day, currentExpiry: at(10))
        #expect(window.checkAt == at(10))
        #expect(window.warnings.contains { $0.contains("expires") })
        // Even a reserve planned later takes over the moment the live certificate expires.
        var late = LifecycleRollover(id: 12, preset: .reserve, certificateID: 4, createdAt: start, checkAt: at(40), deadline: at(40))
        var raised = Set<String>()
        #expect(activation(in: step(&late, now: at(9.9), readiness: ready, live: [imported(expiresInDays: 10)], raised: &raised)) == nil)
        #expect(activation(in: step(&late, now: at(10), readiness: ready, live: [imported(expiresInDays: 10)], raised: &raised)) == 4)
    }

    @Test("enrollments during a rollover beyond a tenth of the fleet raise one enrollment-spike warning; a few late enrollers do not")
    func enrollmentSpikeDuringARolloverIsAlerted() throws {
        let rollover = try distributeFirst()
        func alerts(devices: Int, during: Int, raised: Set<String> = []) -> [LifecycleAlert] {
            Lifecycle.decide(LifecycleState(now: at(1), policy: policy, rollovers: [rollover], live: [imported()], raisedAlerts: raised,
                                            devices: devices, enrolledDuring: [rollover.id: during]))
                .compactMap { if case .alert(let alert) = $0, alert.code == "enrollment-spike" { alert } else { nil } }
        }
        #expect(alerts(devices: 1_032, during: 32).isEmpty, "32 late enrollers of 1,000 are not a spike")
        #expect(alerts(devices: 15, during: 9).isEmpty, "fewer than 10 never are")
        let spike = alerts(devices: 1_300, during: 300)
        #expect(spike.count == 1 && spike[0].severity == .warning && spike[0].rolloverID == rollover.id)
        #expect(alerts(devices: 1_300, during: 300, raised: [spike[0].key]).isEmpty, "raised once")
    }

    @Test("reserve delay shorter than the sync period is refused")
    func reserveDelayShorterThanSyncPeriodIsRefused() {
        var hourly = policy
        hourly.syncPeriod = 3600
        #expect(throws: RolloverPlanning.Refusal.self) {
            try RolloverPlanning.window(preset: .reserve, now: start, policy: hourly, delay: 1800, currentExpiry: nil)
        }
        #expect(throws: RolloverPlanning.Refusal.self) {
            try RolloverPlanning.window(preset: .reserve, now: start, policy: hourly, delay: 3600, currentExpiry: nil)
        }
        #expect(throws: RolloverPlanning.Refusal.self) {
            try RolloverPlanning.window(preset: .addressChange, now: start, policy: hourly, delay: nil, currentExpiry: nil)
        }
        #expect((try? RolloverPlanning.window(preset: .reserve, now: start, policy: hourly, delay: 3601, currentExpiry: nil)) != nil)
        #expect((try? RolloverPlanning.window(preset: .reserve, now: start, policy: hourly, delay: 31 * Self.day, currentExpiry: nil))?.warnings == [])
    }

    @Test("an own-CA certificate is reissued 90 days before expiry, to activate one day before expiry, once")
    func automaticReissue() {
        let issued = LiveCertificate(id: 5, hostName: nil, notBefore: at(-300), notAfter: at(97), source: .issued)
        func decisions(_ now: Date, rollovers: [LifecycleRollover] = []) -> [LifecycleDecision] {
            Lifecycle.decide(LifecycleState(now: now, policy: policy, rollovers: rollovers, live: [issued]))
        }
        #expect(decisions(at(6.9)).isEmpty)
        #expect(decisions(at(7)) == [.reissue(certificateID: 5, hostName: nil, activatesAt: at(96))])
        let reserve = LifecycleRollover(id: 13, preset: .autoReissue, certificateID: 6, createdAt: at(7), checkAt: at(96), deadline: at(96))
        #expect(decisions(at(8), rollovers: [reserve]).isEmpty, "no second reissue while one is under way")
        #expect(Lifecycle.nextEvent(LifecycleState(now: at(8), policy: policy, rollovers: [reserve], live: [issued])) == at(96))
    }

    @Test("a short-lived own-CA certificate is reissued halfway through its life, not the moment it goes live")
    func shortLivedReissue() {
        let short = LiveCertificate(id: 5, hostName: nil, notBefore: start, notAfter: at(30), source: .issued)
        #expect(Lifecycle.decide(LifecycleState(now: at(14.9), policy: policy, rollovers: [], live: [short])).isEmpty)
        #expect(Lifecycle.decide(LifecycleState(now: at(15), policy: policy, rollovers: [], live: [short])).count == 1)
    }

    @Test("an imported certificate is never reissued but alerts at 90, 30, 14, 7, 3 and 1 days, each once")
    func importedExpiryAlerts() {
        let certificate = imported(expiresInDays: 100)
        var raised = Set<String>()
        var codes: [String] = []
        for day in stride(from: 0.0, through: 100.0, by: 0.5) {
            for decision in Lifecycle.decide(LifecycleState(now: at(day), policy: policy, rollovers: [], live: [certificate], raisedAlerts: raised)) {
                guard case .alert(let alert) = decision else {
                    Issue.record("an imported certificate got \(decision)")
                    continue
                }
                raised.insert(alert.key)
                codes.append(alert.key)
            }
        }
        #expect(codes == [90, 30, 14, 7, 3, 1].map { "certificate-1-expiry-\($0)" } + ["certificate-1-expired"])
    }

    @Test("a certificate found already 5 days from expiry raises one alert, not every threshold above it")
    func onlyTheTightestThreshold() {
        let decisions = Lifecycle.decide(LifecycleState(now: at(0), policy: policy, rollovers: [], live: [imported(expiresInDays: 5)]))
        #expect(decisions.count == 1)
        guard case .alert(let alert)? = decisions.first else { return }
        #expect(alert.key == "certificate-1-expiry-7")
        #expect(alert.severity == .critical)
    }

    @Test("the next event is the earliest check, activation or alert instant still ahead")
    func nextEvent() throws {
        let rollover = try distributeFirst()
        let state = LifecycleState(now: start, policy: policy, rollovers: [rollover], live: [imported(expiresInDays: 200)])
        #expect(Lifecycle.nextEvent(state) == at(7))
        let later = LifecycleState(now: at(8), policy: policy, rollovers: [], live: [imported(expiresInDays: 200)])
        #expect(Lifecycle.nextEvent(later) == at(110), "the 90-day alert")
    }

    @Test("while HTTPS mode is off a due activation waits with one https-mode-off warning, and comes at the first decision after it is on again")
    func activationWaitsForHTTPSMode() throws {
        var off = policy
        off.httpsModeOn = false
        #expect(LifecyclePolicy(setting: { $0 == "https-mode" ? "off" : nil }).httpsModeOn == false)
        #expect(LifecyclePolicy(setting: { _ in nil }).httpsModeOn, "on by default")

        var rollover = try distributeFirst()
        var raised = Set<String>()
        let day7 = step(&rollover, now: at(7), readiness: ready, policy: off, raised: &raised)
        #expect(activation(in: day7) == nil)
        guard case .alert(let alert)? = day7.first, day7.count == 1 else { Issue.record("\(day7)"); return }
        #expect(alert.key == "https-mode-off-10" && alert.code == "https-mode-off" && alert.severity == .warning && alert.rolloverID == 10)
        #expect(rollover.checkAt == at(7), "not extended: the rollover stays due")
        #expect(step(&rollover, now: at(9), readiness: ready, policy: off, raised: &raised).isEmpty, "warned once")
        #expect(Lifecycle.projectedActivation(rollover, readiness: ready, policy: off, now: at(9)) == nil)
        // Not ready while off: extended as usual (not a certificate change).
        var unreadyRollover = try distributeFirst()
        #expect(step(&unreadyRollover, now: at(7), readiness: unready, policy: off, raised: &raised).contains(.extend(rolloverID: 10, checkAt: at(8), extensions: 1)))
        #expect(activation(in: step(&rollover, now: at(9.5), readiness: ready, raised: &raised)) == 2, "on again: the next decision activates")

        // A reserve whose instant came, or whose predecessor expired, waits too, without the activated-unready warning.
        let reserve = LifecycleRollover(id: 11, preset: .reserve, certificateID: 3, createdAt: start, checkAt: at(5), deadline: at(5))
        let waiting = Lifecycle.decide(LifecycleState(now: at(6), policy: off, rollovers: [reserve], live: [imported(expiresInDays: 5.5)],
                                                      readiness: [11: unready]))
        #expect(activation(in: waiting) == nil)
        #expect(waiting.compactMap { if case .alert(let alert) = $0 { alert.code } else { nil } }.sorted() == ["certificate-expired", "https-mode-off"], "\(waiting)")
    }

    @Test("the projected activation follows readiness and the deadline policy")
    func projectedActivation() throws {
        let rollover = try distributeFirst()
        #expect(Lifecycle.projectedActivation(rollover, readiness: ready, policy: policy, now: at(1)) == at(7))
        #expect(Lifecycle.projectedActivation(rollover, readiness: unready, policy: policy, now: at(1)) == nil)
        var activate = policy
        activate.deadlinePolicy = .activate
        #expect(Lifecycle.projectedActivation(rollover, readiness: unready, policy: activate, now: at(1)) == at(21))
    }

    @Test("durations in settings read with units, a bare number in days")
    func settingDurations() {
        #expect(SettingDuration.parse("7d") == 7 * Self.day)
        #expect(SettingDuration.parse("7") == 7 * Self.day)
        #expect(SettingDuration.parse("90s") == 90)
        #expect(SettingDuration.parse("1.5h") == 5400)
        #expect(SettingDuration.parse("-1d") == nil)
        #expect(SettingDuration.parse("soon") == nil)
        #expect(SettingDuration.format(21 * Self.day) == "21d")
        #expect(ServerSettings.problem("distribution-period", "never") != nil)
        #expect(ServerSettings.problem("readiness-threshold-percent", "101") != nil)
        #expect(ServerSettings.problem("alert-webhook-url", "ftp://x") != nil)
        #expect(ServerSettings.problem("alert-webhook-url", "") == nil)
        #expect(ServerSettings.problem("no-such-setting", "1") != nil)
    }
}
