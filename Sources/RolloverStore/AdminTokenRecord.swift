import Foundation

/// An admin token as stored: its name and hash, never the token.
public struct AdminTokenRecord: Sendable, Hashable {
    public var id: Int64
    public var name: String
    /// SHA-256 of the token (hex); the token itself is never stored.
    public var tokenSHA256: String
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: Int64, name: String, tokenSHA256: String, createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.name = name
        self.tokenSHA256 = tokenSHA256
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
