import Foundation
import RolloverCore

/// What one device sync changes: when it was seen, its agent version, and delivery states it moved.
public struct SyncReport: Sendable, Hashable {
    public struct DeliveryUpdate: Sendable, Hashable {
        public var rolloverID: Int64
        public var state: DeliveryState
        /// The device's own words when it failed.
        public var reason: String?
        /// The material was sent again (after pending, a failure or a loss): one more attempt.
        public var attempted: Bool

        public init(rolloverID: Int64, state: DeliveryState, reason: String? = nil, attempted: Bool = false) {
            self.rolloverID = rolloverID
            self.state = state
            self.reason = reason
            self.attempted = attempted
        }
    }

    public var deviceID: Int64
    public var seenAt: Date
    public var agentVersion: String
    public var platform: DevicePlatform?
    /// The fingerprints the device's trust store holds now; nil when unchanged since its last sync.
    public var held: [String]?
    public var deliveries: [DeliveryUpdate]
    /// The handover record the device says its trust state is at; nil when it did not say.
    public var handoverSequence: Int?

    public init(deviceID: Int64, seenAt: Date, agentVersion: String, platform: DevicePlatform? = nil, held: [String]? = nil,
                deliveries: [DeliveryUpdate], handoverSequence: Int? = nil) {
        self.handoverSequence = handoverSequence
        self.deviceID = deviceID
        self.seenAt = seenAt
        self.agentVersion = agentVersion
        self.platform = platform
        self.held = held
        self.deliveries = deliveries
    }
}
