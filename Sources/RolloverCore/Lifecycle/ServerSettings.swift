import Foundation

/// The server settings an administrator can change, with their defaults and checks. Values are text, as stored.
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
    ]

    public static var keys: [String] { defaults.keys.sorted() }

    /// The settings that take one of a few words, with those words (the console offers them as a choice).
    public static let choices: [String: [String]] = ["https-mode": ["on", "off"], "deadline-policy": DeadlinePolicy.allCases.map(\.rawValue)]

    static let durationKeys: Set<String> = ["distribution-period", "maximum-distribution-period", "readiness-recheck", "activity-window", "reissue-lead"]

    /// Why `value` cannot be stored for `key`, or nil when it can.
    public static func problem(_ key: String, _ value: String) -> String? {
        guard defaults[key] != nil else { return "no setting \(key); settings: \(keys.joined(separator: ", "))" }
        if let allowed = choices[key] { return allowed.contains(value) ? nil : "\(key) is \(allowed.joined(separator: " or "))" }
        switch key {
        case "maximum-validity-days":
            return Int(value).map { (1...397).contains($0) } == true ? nil : "maximum-validity-days is 1 to 397"
        case "readiness-threshold-percent":
            return Int(value).map { (1...100).contains($0) } == true ? nil : "readiness-threshold-percent is 1 to 100"
        case "alert-webhook-url":
            guard !value.isEmpty else { return nil }
            return URL(string: value).flatMap(\.scheme).map { ["http", "https"].contains($0) } == true ? nil : "alert-webhook-url is an http(s) URL or empty"
        case _ where durationKeys.contains(key):
            return SettingDuration.parse(value) != nil ? nil : "\(key) is a duration such as 7d, 12h, 30m or 90s"
        default:
            return Int(value).map { $0 > 0 } == true ? nil : "\(key) is a positive whole number"
        }
    }
}
