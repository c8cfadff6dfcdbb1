import Foundation

/// An enrollment secret as stored: its name and the SHA-256 of the secret, never the secret itself.
public struct EnrollmentSecretRecord: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var secretSHA256: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?
    /// How many devices may enroll with it (nil: no limit), and how many have.
    public var maxUses: Int?
    public var uses: Int

    public init(id: Int64, name: String, secretSHA256: String, createdAt: Date, expiresAt: Date?, revokedAt: Date?, maxUses: Int? = nil,
                uses: Int = 0) {
        self.id = id
        self.name = name
        self.secretSHA256 = secretSHA256
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.maxUses = maxUses
        self.uses = uses
    }

    /// Whether a device may enroll with it at `now`. The store checks the uses again, atomically, when the device
    /// is recorded (`EnrollmentSecretUses`).
    public func admits(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { now < $0 } ?? true) && (maxUses.map { uses < $0 } ?? true)
    }
}
