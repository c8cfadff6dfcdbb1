import Foundation
import RolloverCore

/// A device to enroll. Only the SHA-256 of its token is ever stored.
public struct NewDevice: Sendable, Hashable {
    public var name: String
    public var platform: DevicePlatform
    public var tokenSHA256: String
    public var enrolledAt: Date
    public var agentVersion: String?
    public var enrollmentSecretID: Int64?

    public init(name: String, platform: DevicePlatform, tokenSHA256: String, enrolledAt: Date, agentVersion: String? = nil,
                enrollmentSecretID: Int64? = nil) {
        self.name = name
        self.platform = platform
        self.tokenSHA256 = tokenSHA256
        self.enrolledAt = enrolledAt
        self.agentVersion = agentVersion
        self.enrollmentSecretID = enrollmentSecretID
    }
}
