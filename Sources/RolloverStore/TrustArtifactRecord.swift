import Foundation
import RolloverCore

/// A certificate of the trust material every device must hold: an anchor or a pin, with the rollover that
/// tracks its delivery (nil for standing material such as the server's own CA root).
public struct TrustArtifactRecord: Sendable, Hashable {
    public var id: Int64
    public var sha256: String
    public var der: [UInt8]
    public var subject: String
    public var notAfter: Date
    public var role: TrustRole
    public var rolloverID: Int64?
    public var addedAt: Date
    /// Set when it was taken out of the material; devices holding it are told to remove it.
    public var withdrawnAt: Date?

    public init(id: Int64 = 0, sha256: String, der: [UInt8], subject: String, notAfter: Date, role: TrustRole, rolloverID: Int64? = nil,
                addedAt: Date, withdrawnAt: Date? = nil) {
        self.id = id
        self.sha256 = sha256
        self.der = der
        self.subject = subject
        self.notAfter = notAfter
        self.role = role
        self.rolloverID = rolloverID
        self.addedAt = addedAt
        self.withdrawnAt = withdrawnAt
    }
}

