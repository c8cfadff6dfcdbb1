/// How ready the fleet is for one rollover: among active devices (synced within the activity window), how many
/// confirmed every artifact; inactive devices that have not confirmed are stragglers, counted apart.
public struct Readiness: Sendable, Hashable, Codable {
    public var activeDevices: Int
    public var confirmed: Int
    public var stragglers: Int

    public init(activeDevices: Int, confirmed: Int, stragglers: Int) {
        self.activeDevices = activeDevices
        self.confirmed = confirmed
        self.stragglers = stragglers
    }

    public var unconfirmed: Int { activeDevices - confirmed }

    /// Confirmed active devices in percent; 100 when there are none.
    public var percent: Double { activeDevices == 0 ? 100 : Double(confirmed) * 100 / Double(activeDevices) }

    /// The readiness rule: at least `thresholdPercent` of active devices confirmed (all of them at 100).
    public func holds(thresholdPercent: Int) -> Bool { confirmed * 100 >= thresholdPercent * activeDevices }

    public var summary: String {
        "\(confirmed) of \(activeDevices) active device(s) confirmed (\(String(format: "%.1f", percent))%), \(stragglers) inactive straggler(s)"
    }
}
