import Foundation
import RolloverCore

/// A rollover as stored: its preset, its target (nil for trust material only) and its window.
public struct RolloverRecord: Sendable, Hashable {
    public enum State: String, Sendable, Codable { case open, completed, cancelled }
    public var id: Int64
    public var certificateID: Int64?
    /// A `RolloverPreset` raw value.
    public var preset: String
    public var state: State
    public var createdAt: Date
    /// The SNI host name the target serves (nil: the default certificate).
    public var hostName: String?
    /// The next readiness check, or the activation instant.
    public var checkAt: Date
    /// The latest date checks are extended to.
    public var deadline: Date
    public var extensions: Int
    public var heldAt: Date?
    /// When it was activated or cancelled.
    public var completedAt: Date?
    /// Address change: the connection addresses devices use from activation on.
    public var addresses: [String]?

    public init(id: Int64, certificateID: Int64?, preset: String, state: State, createdAt: Date, hostName: String? = nil,
                checkAt: Date? = nil, deadline: Date? = nil, extensions: Int = 0, heldAt: Date? = nil, completedAt: Date? = nil,
                addresses: [String]? = nil) {
        self.id = id
        self.certificateID = certificateID
        self.preset = preset
        self.state = state
        self.createdAt = createdAt
        self.hostName = hostName
        self.checkAt = checkAt ?? createdAt
        self.deadline = deadline ?? checkAt ?? createdAt
        self.extensions = extensions
        self.heldAt = heldAt
        self.completedAt = completedAt
        self.addresses = addresses
    }
}

/// A rollover to start (see `Store.insertRollover(_:artifacts:actor:)`).
public struct NewRollover: Sendable, Hashable {
    public var certificateID: Int64?
    public var preset: String
    public var createdAt: Date
    public var hostName: String?
    public var checkAt: Date
    public var deadline: Date
    /// Set for reserve presets: the target becomes a `reserve` certificate activating then.
    public var reserveUntil: Date?
    public var addresses: [String]?

    public init(certificateID: Int64?, preset: String, createdAt: Date, hostName: String? = nil, checkAt: Date, deadline: Date,
                reserveUntil: Date? = nil, addresses: [String]? = nil) {
        self.certificateID = certificateID
        self.preset = preset
        self.createdAt = createdAt
        self.hostName = hostName
        self.checkAt = checkAt
        self.deadline = deadline
        self.reserveUntil = reserveUntil
        self.addresses = addresses
    }
}

/// Filters for a rollover's device table ("View Details").
public struct DeliveryFilter: Sendable, Hashable {
    public var state: DeliveryState?
    public var platform: DevicePlatform?
    public var seenBefore: Date?
    public var seenAfter: Date?

    public init(state: DeliveryState? = nil, platform: DevicePlatform? = nil, seenBefore: Date? = nil, seenAfter: Date? = nil) {
        self.state = state
        self.platform = platform
        self.seenBefore = seenBefore
        self.seenAfter = seenAfter
    }
}

/// An alert as stored.
public struct AlertRecord: Sendable, Hashable {
    public var id: Int64
    public var at: Date
    public var alert: LifecycleAlert

    public init(id: Int64, at: Date, alert: LifecycleAlert) {
        self.id = id
        self.at = at
        self.alert = alert
    }
}
