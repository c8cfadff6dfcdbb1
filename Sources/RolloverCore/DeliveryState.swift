/// The state of one device's delivery for one rollover. Stored as its raw value: never renumber.
public enum DeliveryState: Int, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// The device has not synchronized since the rollover began.
    case pending = 0
    /// Sent in a sync response.
    case delivered = 1
    /// The device confirmed the fingerprint.
    case installed = 2
    /// The device said why it could not install.
    case failed = 3
    /// Sent again, on its own after a failure or on an administrator's retry.
    case retrying = 4

    public var description: String {
        switch self {
        case .pending: "pending"
        case .delivered: "delivered"
        case .installed: "installed"
        case .failed: "failed"
        case .retrying: "retrying"
        }
    }
}
