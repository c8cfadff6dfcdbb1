import Foundation

/// What happens when a distribute-first rollover reaches its latest date and devices are still not ready.
public enum DeadlinePolicy: String, Sendable, Codable, CaseIterable {
    /// Stay on the old certificate and alert (the default: no device is cut off without a person deciding).
    case hold
    /// Switch anyway.
    case activate
}

/// The rules the lifecycle applies, read from the settings.
public struct LifecyclePolicy: Sendable, Hashable {
    public var distributionPeriod: TimeInterval = 7 * 86_400
    public var maximumDistributionPeriod: TimeInterval = 21 * 86_400
    public var recheckInterval: TimeInterval = 86_400
    public var readinessThresholdPercent: Int = 100
    public var deadlinePolicy: DeadlinePolicy = .hold
    public var activityWindow: TimeInterval = 7 * 86_400
    public var syncPeriod: TimeInterval = 3600
    public var reissueLead: TimeInterval = 90 * 86_400
    /// An automatic reserve activates this long before the live certificate expires.
    public var reissueActivationLead: TimeInterval = 86_400
    /// Days before expiry at which an imported certificate raises an alert.
    public var expiryAlertDays: [Int] = [90, 30, 14, 7, 3, 1]
    /// Reserve delays under this are allowed with a warning.
    public var shortReserveWarning: TimeInterval = 30 * 86_400
    /// The `https-mode` setting is on. While it is off no certificate change is served: activations wait (the
    /// rollover stays open) until it is on again; distribution, extensions and holds go on.
    public var httpsModeOn: Bool = true
    /// `handover-max-age`: the oldest handover record a returning device walks from (told to devices in every sync).
    public var handoverMaximumAge: TimeInterval = 730 * 86_400
    /// `handover-retention`: handover records older than this are deleted.
    public var handoverRetention: TimeInterval = 1825 * 86_400

    /// Stored settings ignored for their default because they are out of range (key → stored text); the
    /// lifecycle raises an alert for each.
    public var ignoredSettings: [String: String] = [:]

    public init() {}

    /// The policy from stored settings (`setting` returns the stored text or nil for the default). Every value is
    /// taken through `ServerSettings.effective`, so one out of range is the default, never a trap further on.
    public init(setting: (String) -> String?) {
        func value(_ key: String) -> String {
            let stored = setting(key)
            let effective = ServerSettings.effective(key, stored: stored)
            if let stored, stored != effective { ignoredSettings[key] = stored }
            return effective
        }
        func duration(_ key: String, _ fallback: TimeInterval) -> TimeInterval { SettingDuration.parse(value(key)) ?? fallback }
        distributionPeriod = duration("distribution-period", distributionPeriod)
        maximumDistributionPeriod = max(distributionPeriod, duration("maximum-distribution-period", maximumDistributionPeriod))
        recheckInterval = duration("readiness-recheck", recheckInterval)
        readinessThresholdPercent = ServerSettings.wholeNumber(value("readiness-threshold-percent")) ?? readinessThresholdPercent
        deadlinePolicy = DeadlinePolicy(rawValue: value("deadline-policy")) ?? deadlinePolicy
        activityWindow = duration("activity-window", activityWindow)
        syncPeriod = TimeInterval(ServerSettings.wholeNumber(value("sync-period-seconds")) ?? 3600)
        reissueLead = duration("reissue-lead", reissueLead)
        httpsModeOn = value("https-mode") != "off"
        handoverMaximumAge = duration("handover-max-age", handoverMaximumAge)
        handoverRetention = max(handoverMaximumAge, duration("handover-retention", handoverRetention))
    }
}
