import RolloverService
import RolloverStore
import Synchronization

/// The `https-mode` setting as the running server applies it, read on every request to a plain HTTP listener
/// (`rollover serve --plain-listen`). On by default. While off, the device API and health are served over plain
/// HTTP there, and no certificate change is served (the lifecycle and manual activations read the setting from the
/// store). Loaded at start, set by `AdminAPI.setSetting`, and refreshed from the store at every lifecycle tick so
/// that a change made on another node arrives within a minute.
final class HTTPSMode: Sendable {
    private let on: Mutex<Bool>

    init(isOn: Bool = true) { on = Mutex(isOn) }

    /// HTTPS mode is on: plain HTTP listeners refuse everything with 403 `https-required`.
    var isOn: Bool { on.withLock { $0 } }

    func set(_ isOn: Bool) { on.withLock { $0 = isOn } }

    /// Reads the setting from the store (authoritative when several nodes share it).
    func refresh(from store: any Store) async throws {
        set(Self.isOn(try await store.settingOrDefault("https-mode")))
    }

    /// A stored value of `https-mode` read as on or off; anything but `off` is on.
    static func isOn(_ value: String) -> Bool { value != "off" }
}
