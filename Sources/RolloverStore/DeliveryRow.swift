import Foundation
import RolloverCore

/// One line of a rollover's device table ("View Details").
public struct DeliveryRow: Sendable, Hashable {
    public var deviceID: Int64
    public var deviceName: String
    public var platform: DevicePlatform
    public var lastSeenAt: Date?
    public var state: DeliveryState
    public var reason: String?
    public var attempts: Int
    public var updatedAt: Date?

    public init(deviceID: Int64, deviceName: String, platform: DevicePlatform, lastSeenAt: Date?, state: DeliveryState, reason: String?,
                attempts: Int = 0, updatedAt: Date? = nil) {
        self.attempts = attempts
        self.updatedAt = updatedAt
        self.deviceID = deviceID
        self.deviceName = deviceName
        self.platform = platform
        self.lastSeenAt = lastSeenAt
        self.state = state
        self.reason = reason
    }
}
