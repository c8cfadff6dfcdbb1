import Foundation
import RolloverCore
import RolloverStore

extension Store {
    /// A setting's stored value, or its default.
    public func settingOrDefault(_ key: String) async throws -> String {
        try await setting(key) ?? ServerSettings.defaults[key] ?? ""
    }

    /// Every setting with its current value, in one read.
    public func allSettings() async throws -> [String: String] {
        try await settings().merging(ServerSettings.defaults) { stored, _ in stored }.filter { ServerSettings.defaults[$0.key] != nil }
    }

    /// The lifecycle's rules as the settings say now.
    public func lifecyclePolicy() async throws -> LifecyclePolicy {
        let values = try await allSettings()
        return LifecyclePolicy(setting: { values[$0] })
    }
}
