import Foundation

/// One line of the audit log: who did what, when, to which certificate, key or device.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var id: Int64
    public var at: Date
    public var actor: String
    public var action: String
    /// "certificate", "private-key", "device", "signing-request", "setting", "admin-token", "rollover", or nil.
    public var subjectKind: String?
    public var subjectID: Int64?
    public var detail: String?

    public init(id: Int64, at: Date, actor: String, action: String, subjectKind: String?, subjectID: Int64?, detail: String?) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.subjectKind = subjectKind
        self.subjectID = subjectID
        self.detail = detail
    }
}
