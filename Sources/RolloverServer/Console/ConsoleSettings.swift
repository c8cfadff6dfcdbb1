import Foundation
import Hummingbird
import RolloverCore
import RolloverService

/// Admin → Server Settings: every setting in one form, each with what it does. Only the values that changed are
/// saved, each through the same path as the API (checked, audited, applied without a restart).
extension Console {
    struct SettingsPage: Sendable {
        struct Setting: Sendable {
            struct Choice: Sendable {
                var value: String
                var selected: Bool
            }
            var key: String
            var label: String
            var hint: String
            var value: String
            var choices: [Choice]
            var isChoice: Bool
        }
        var settings: [Setting]
    }

    /// Labels and hints in the order an administrator reads them; keys not named here follow.
    static let settingTexts: [(key: String, label: String, hint: String)] = [
        ("https-mode", "HTTPS mode", "Off: devices may use the plain-HTTP listener (if one is configured) and no certificate change is served until it is on again."),
        ("distribution-period", "Distribution period", "How long a distribute-first rollover hands out the trust material before its first readiness check (7d, 12h, 30m)."),
        ("maximum-distribution-period", "Maximum extension", "The latest the readiness check is extended to: the deadline."),
        ("readiness-recheck", "Readiness re-check", "How often readiness is checked again between the first check and the deadline, and while held."),
        ("readiness-threshold-percent", "Readiness rule (% of active devices)", "The share of active devices that must have confirmed; 100 is every active device."),
        ("activity-window", "Activity window", "A device is active when it synced within this window; only active devices count for readiness."),
        ("deadline-policy", "Deadline policy", "At the deadline with devices not ready: hold (stay on the old certificate and alert) or activate anyway."),
        ("sync-period-seconds", "Sync period (seconds)", "How often devices sync; each answer adds ±10% jitter."),
        ("delivery-retry-seconds", "Delivery retry (seconds)", "How long a failed delivery rests before it is sent again on its own."),
        ("alert-webhook-url", "Alert webhook", "An http(s) URL that receives every alert as JSON; empty for none."),
        ("maximum-validity-days", "Maximum validity (days)", "The longest validity of a certificate the server's CA issues (1 to 397)."),
        ("reissue-lead", "Automatic reissue lead", "A certificate of the server's own CA is reissued as a reserve this long before it expires."),
        ("handover-max-age", "Handover maximum age", "How old a handover record a returning device may catch up from (1d to 3650d); older devices must enroll again."),
        ("handover-retention", "Handover retention", "How long handover records are kept (at least the maximum age)."),
    ]

    func registerSettings(on pages: RouterGroup<AdminRequestContext>) {
        pages.get("settings") { _, context in
            try await page("settings", title: "Server settings", section: .settings, try await settingsPage(), context)
        }
        pages.post("settings") { _, context in
            let form = try form(context)
            let current = try await store.allSettings()
            let actor = try actor(context)
            var changed: [String] = []
            var warnings: [String] = []
            // Check every changed value first, so that one bad value changes nothing.
            let wanted = ServerSettings.keys.compactMap { key -> (String, String)? in
                guard let value = form[key]?.trimmingCharacters(in: .whitespaces), value != current[key] else { return nil }
                return (key, value)
            }
            let problems = wanted.compactMap { ServerSettings.problem($0.0, $0.1) }
            guard problems.isEmpty else {
                return try await page("settings", title: "Server settings", section: .settings, try await settingsPage(form), context,
                                      status: .badRequest, error: "Nothing was saved: " + problems.joined(separator: "; "))
            }
            for (key, value) in wanted {
                warnings += try await api.setSetting(key: key, value: value, actor: actor)
                changed.append("\(key) = \(value)")
            }
            let notice = changed.isEmpty ? "Nothing changed." : "Saved: \(changed.joined(separator: ", "))." + (warnings.isEmpty ? "" : " " + warnings.map { $0.hasSuffix(".") ? $0 : $0 + "." }.joined(separator: " "))
            return await redirect("/console/settings", notice: notice, context)
        }
    }

    private func settingsPage(_ echo: ConsoleForm? = nil) async throws -> SettingsPage {
        let values = try await store.allSettings()
        let named = Self.settingTexts.map(\.key)
        let keys = named + ServerSettings.keys.filter { !named.contains($0) }
        return SettingsPage(settings: keys.filter { ServerSettings.defaults[$0] != nil }.map { key in
            let text = Self.settingTexts.first { $0.key == key }
            let value = echo?[key] ?? values[key] ?? ServerSettings.defaults[key] ?? ""
            let choices = ServerSettings.choices[key] ?? []
            return SettingsPage.Setting(key: key, label: text?.label ?? key, hint: text?.hint ?? "", value: value,
                                        choices: choices.map { .init(value: $0, selected: $0 == value) }, isChoice: !choices.isEmpty)
        })
    }
}
