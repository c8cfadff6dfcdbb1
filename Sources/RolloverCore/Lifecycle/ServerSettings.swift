import Foundation

/// The server settings an administrator can change, with their defaults and checks. Values are text, as stored.
///
/// Every setting has a range, checked when it is set and again when it is read: a stored value out of range (a
/// value from an older version, a hand-edited database) is ignored for the default and raised as an alert
/// (`setting-out-of-range`), never used, so no setting can make the server trap.
public enum ServerSettings {
    public static let defaults: [String: String] = [
        "https-mode": "on",
        // Distribute first: the first readiness check, the latest the check is extended to, and how often in between.
        "distribution-period": "7d",
        "maximum-distribution-period": "21d",
        "readiness-recheck": "1d",
        // The share of active devices that must have confirmed every artifact; 100 is "every active device".
        "readiness-threshold-percent": "100",
        "deadline-policy": "hold",
        // A device is active when it synced within this window; readiness counts active devices only.
        "activity-window": "7d",
        "sync-period-seconds": "3600",
        // A failed delivery rests this long before it is sent again on its own (an administrator can retry sooner).
        "delivery-retry-seconds": "21600",
        "maximum-validity-days": "397",
        // Own-CA certificates: a reserve is issued this long before expiry.
        "reissue-lead": "90d",
        // Alerts are also POSTed here as JSON when set (empty: none).
        "alert-webhook-url": "",
        // How old a handover record a returning device may start its walk from; older devices must enroll again.
        "handover-max-age": "730d",
        // Handover records are kept this long, then deleted (longer than the maximum age: older ones serve nobody).
        "handover-retention": "1825d",
    ]

    public static var keys: [String] { defaults.keys.sorted() }

    /// The settings that take one of a few words, with those words (the console offers them as a choice).
    public static let choices: [String: [String]] = ["https-mode": ["on", "off"], "deadline-policy": DeadlinePolicy.allCases.map(\.rawValue)]

    static let durationKeys: Set<String> = ["distribution-period", "maximum-distribution-period", "readiness-recheck", "activity-window", "reissue-lead"]

    /// The handover durations count in years, not in certificate lives: from a day to ten years.
    static let handoverDurationKeys: Set<String> = ["handover-max-age", "handover-retention"]
    static let handoverDurations: ClosedRange<TimeInterval> = 86_400...(3650 * 86_400)

    /// The longest duration any duration setting takes: past the longest life of a server certificate (397 days)
    /// no window means anything, and every instant computed from it stays far inside `Date`'s and `Int`'s range.
    public static let longestDuration: TimeInterval = 400 * 86_400

    /// The whole-number settings with their ranges. The sync period is at most a week: a device must come back
    /// well inside the activity window and any reserve delay.
    static let wholeNumberRanges: [String: ClosedRange<Int>] = [
        "maximum-validity-days": 1...397,
        "readiness-threshold-percent": 1...100,
        "sync-period-seconds": 1...604_800,
        "delivery-retry-seconds": 1...2_592_000,
    ]

    /// The longest webhook address stored.
    static let longestURL = 2048

    /// Why `value` cannot be stored for `key`, or nil when it can.
    public static func problem(_ key: String, _ value: String) -> String? {
        guard defaults[key] != nil else { return "no setting \(key); settings: \(keys.joined(separator: ", "))" }
        if let allowed = choices[key] { return allowed.contains(value) ? nil : "\(key) is \(allowed.joined(separator: " or "))" }
        if let range = wholeNumberRanges[key] {
            return wholeNumber(value).map(range.contains) == true ? nil : "\(key) is a whole number from \(range.lowerBound) to \(range.upperBound)"
        }
        if durationKeys.contains(key) {
            return SettingDuration.parse(value).map { $0 >= 1 && $0 <= longestDuration } == true
                ? nil : "\(key) is a duration from 1s to 400d such as 7d, 12h, 30m or 90s"
        }
        if handoverDurationKeys.contains(key) {
            return SettingDuration.parse(value).map(handoverDurations.contains) == true ? nil : "\(key) is a duration from 1d to 3650d such as 730d"
        }
        // alert-webhook-url
        guard !value.isEmpty else { return nil }
        guard value.utf8.count <= longestURL else { return "alert-webhook-url is at most \(longestURL) bytes" }
        return URL(string: value).flatMap(\.scheme).map { ["http", "https"].contains($0) } == true ? nil : "alert-webhook-url is an http(s) URL or empty"
    }

    /// The value in force for `key`: the stored one when it passes `problem`, else the default.
    public static func effective(_ key: String, stored: String?) -> String {
        let fallback = defaults[key] ?? ""
        guard let stored, problem(key, stored) == nil else { return fallback }
        return stored
    }

    /// The stored values that are ignored for their default because they are out of range, by key.
    public static func ignored(in stored: [String: String]) -> [String: String] {
        stored.filter { defaults[$0.key] != nil && problem($0.key, $0.value) != nil }
    }

    /// A whole-number setting's value in force (its default when the stored text is out of range).
    public static func wholeNumber(_ key: String, stored: String?) -> Int {
        wholeNumber(effective(key, stored: stored)) ?? 0
    }

    /// Digits only, at most 18 of them: no sign, no spaces, nothing `Int.init` would also take ("+1").
    static func wholeNumber(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }
}
