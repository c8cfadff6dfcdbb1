import Foundation
import RolloverCore

/// An enrolled device as stored. Its token exists only as a SHA-256.
public struct DeviceRecord: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var platform: DevicePlatform
    public var tokenSHA256: String
    public var agentVersion: String?
    public var enrolledAt: Date
    public var lastSeenAt: Date?
    /// Set when an administrator retired it; its token no longer works.
    public var retiredAt: Date?
    /// The handover record its trust state was at when it last synced (nil: it never said, or none existed).
    public var handoverSequence: Int?

    public init(id: Int64, name: String, platform: DevicePlatform, tokenSHA256: String, agentVersion: String?, enrolledAt: Date,
                lastSeenAt: Date?, retiredAt: Date?, handoverSequence: Int? = nil) {
        self.handoverSequence = handoverSequence
        self.id = id
        self.name = name
        self.platform = platform
        self.tokenSHA256 = tokenSHA256
        self.agentVersion = agentVersion
        self.enrolledAt = enrolledAt
        self.lastSeenAt = lastSeenAt
        self.retiredAt = retiredAt
    }
}

/// Which devices a listing wants; every field narrows it. Pages are keyset pages ordered by device id.
public struct DeviceFilter: Sendable, Hashable {
    public var platform: DevicePlatform?
    public var seenBefore: Date?
    public var seenAfter: Date?
    /// With `deliveryState`: only devices whose delivery for this rollover is in that state.
    public var rolloverID: Int64?
    public var deliveryState: DeliveryState?
    public var includeRetired: Bool

    public init(platform: DevicePlatform? = nil, seenBefore: Date? = nil, seenAfter: Date? = nil, rolloverID: Int64? = nil,
                deliveryState: DeliveryState? = nil, includeRetired: Bool = false) {
        self.platform = platform
        self.seenBefore = seenBefore
        self.seenAfter = seenAfter
        self.rolloverID = rolloverID
        self.deliveryState = deliveryState
        self.includeRetired = includeRetired
    }
}

/// What answering one device's sync needs from the store, read together: the device (by its token's hash), its
/// deliveries and the fingerprints it last said it held.
public struct DeviceSyncState: Sendable, Hashable {
    public var device: DeviceRecord
    public var deliveries: [DeviceDelivery]
    public var held: [String]

    public init(device: DeviceRecord, deliveries: [DeviceDelivery], held: [String]) {
        self.device = device
        self.deliveries = deliveries
        self.held = held
    }
}

/// One of a device's deliveries, for its history.
public struct DeviceDelivery: Sendable, Hashable {
    public var rolloverID: Int64
    public var state: DeliveryState
    public var reason: String?
    public var attempts: Int
    public var updatedAt: Date

    public init(rolloverID: Int64, state: DeliveryState, reason: String?, attempts: Int, updatedAt: Date) {
        self.rolloverID = rolloverID
        self.state = state
        self.reason = reason
        self.attempts = attempts
        self.updatedAt = updatedAt
    }
}
