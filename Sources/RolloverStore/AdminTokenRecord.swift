import Foundation

/// An admin token as stored: its name and hash, never the token.
public struct AdminTokenRecord: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var createdAt: Date
    public var revokedAt: Date?

    public init(id: Int64, name: String, createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
