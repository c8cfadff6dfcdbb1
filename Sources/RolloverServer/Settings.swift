/// The server settings the admin API exposes, with their defaults and checks.
enum Settings {
    static let defaults: [String: String] = [
        "https-mode": "on",
        "distribution-period-days": "7",
        "maximum-extension-days": "21",
        "deadline-policy": "hold",
        "sync-period-seconds": "3600",
        // A failed delivery rests this long before it is sent again on its own (an administrator can retry sooner).
        "delivery-retry-seconds": "21600",
        "maximum-validity-days": "397",
    ]

    static var keys: [String] { defaults.keys.sorted() }

    static func validate(_ key: String, _ value: String) throws {
        switch key {
        case "https-mode":
            guard ["on", "off"].contains(value) else { throw APIError.badRequest("https-mode is on or off") }
        case "deadline-policy":
            guard ["hold", "activate"].contains(value) else { throw APIError.badRequest("deadline-policy is hold or activate") }
        case "maximum-validity-days":
            guard let days = Int(value), (1...397).contains(days) else { throw APIError.badRequest("maximum-validity-days is 1 to 397") }
        default:
            guard let number = Int(value), number > 0 else { throw APIError.badRequest("\(key) is a positive whole number") }
        }
    }
}
