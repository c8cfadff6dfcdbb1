import Foundation

/// An enrollment secret as stored: its name and the SHA-256 of the secret, never the secret itself.
public struct EnrollmentSecretRecord: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var secretSHA256: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?

    public init(id: Int64, name: String, secretSHA256: String, createdAt: Date, expiresAt: Date?, revokedAt: Date?) {
        self.id = id
        self.name = name
        self.secretSHA256 = secretSHA256
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// Whether a device may enroll with it at `now`.
    public func admits(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { now < $0 } ?? true)
    }
}
