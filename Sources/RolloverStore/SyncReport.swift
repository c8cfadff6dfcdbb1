import Foundation
import RolloverCore

/// What one device sync changes: when it was seen, its agent version, and delivery states it moved.
public struct SyncReport: Sendable, Hashable {
    public struct DeliveryUpdate: Sendable, Hashable {
        public var rolloverID: Int64
        public var state: DeliveryState
        /// The device's own words when it failed.
        public var reason: String?

        public init(rolloverID: Int64, state: DeliveryState, reason: String? = nil) {
            self.rolloverID = rolloverID
            self.state = state
            self.reason = reason
        }
    }

    public var deviceID: Int64
    public var seenAt: Date
    public var agentVersion: String
    public var deliveries: [DeliveryUpdate]

    public init(deviceID: Int64, seenAt: Date, agentVersion: String, deliveries: [DeliveryUpdate]) {
        self.deviceID = deviceID
        self.seenAt = seenAt
        self.agentVersion = agentVersion
        self.deliveries = deliveries
    }
}
