import Foundation

/// The window a new rollover gets from its preset, and the checks made before it is created.
public enum RolloverPlanning {
    public struct Window: Sendable, Hashable {
        /// The first check (distribute first) or the activation instant (reserve presets; `now` for proceed now).
        public var checkAt: Date
        /// The latest date checks are extended to.
        public var deadline: Date
        public var warnings: [String]
    }

    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// `reserve-delay-too-short`, `delay-required`, `delay-out-of-range`.
        public var code: String
        public var message: String
        public var description: String { message }
    }

    /// The longest "after N days": no certificate we serve lives longer than 397 days.
    public static let longestDelay: TimeInterval = 397 * 86_400

    /// Refuses an "after N days" delay that is not a finite time longer than the sync period and at most
    /// `longestDelay`: called before anything is issued, so that a refused reissue issues nothing.
    public static func check(delay: TimeInterval, policy: LifecyclePolicy) throws(Refusal) {
        guard delay.isFinite, delay > 0, delay <= longestDelay else {
            throw Refusal(code: "delay-out-of-range", message: "the activation delay is more than 0 and at most 397 days")
        }
        guard delay > policy.syncPeriod else {
            throw Refusal(code: "reserve-delay-too-short",
                          message: "the activation delay (\(SettingDuration.format(delay))) must be longer than the device sync period (\(SettingDuration.format(policy.syncPeriod))), or devices cannot receive the reserve first")
        }
    }

    /// - Parameters:
    ///   - delay: "after N days" for `reserve` and `address-change`.
    ///   - currentExpiry: when the certificate being replaced expires (a reserve activates then if sooner).
    public static func window(preset: RolloverPreset, now: Date, policy: LifecyclePolicy, delay: TimeInterval?,
                              currentExpiry: Date?) throws(Refusal) -> Window {
        switch preset {
        case .proceedNow, .trust:
            return Window(checkAt: now, deadline: now, warnings: [])
        case .distributeFirst:
            return Window(checkAt: now.addingTimeInterval(policy.distributionPeriod),
                          deadline: now.addingTimeInterval(max(policy.distributionPeriod, policy.maximumDistributionPeriod)), warnings: [])
        case .autoReissue:
            let at = autoReissueActivation(currentExpiry: currentExpiry ?? now, now: now, policy: policy)
            var warnings: [String] = []
            if at.timeIntervalSince(now) <= policy.syncPeriod {
                warnings.append("the reserve activates before every device can sync once (in \(SettingDuration.format(max(0, at.timeIntervalSince(now).rounded()))), sync period \(SettingDuration.format(policy.syncPeriod)))")
            }
            return Window(checkAt: at, deadline: at, warnings: warnings)
        case .reserve, .addressChange:
            guard let delay else { throw Refusal(code: "delay-required", message: "a \(preset.rawValue) rollover needs an activation delay (after N days)") }
            try check(delay: delay, policy: policy)
            var warnings: [String] = []
            if delay < policy.shortReserveWarning {
                warnings.append("an activation delay under \(SettingDuration.format(policy.shortReserveWarning)) leaves little time for devices that sync rarely or are offline")
            }
            var at = now.addingTimeInterval(delay)
            if let currentExpiry, currentExpiry < at {
                at = max(now, currentExpiry)
                warnings.append("the current certificate expires on \(Lifecycle.iso(currentExpiry)), before the delay ends: the reserve activates then")
            }
            return Window(checkAt: at, deadline: at, warnings: warnings)
        }
    }
}

extension RolloverPlanning {
    /// When an automatic reissue's reserve activates: `reissueActivationLead` (a day) before the live certificate
    /// expires, or at once when that has passed. The lifecycle decides with it and the rollover's window is made with it.
    public static func autoReissueActivation(currentExpiry: Date, now: Date, policy: LifecyclePolicy) -> Date {
        max(now, currentExpiry.addingTimeInterval(-policy.reissueActivationLead))
    }
}
