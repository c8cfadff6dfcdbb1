/// Who made a change, as the audit log records it: an admin token's name, or "system" for the server itself.
public struct AuditActor: Sendable, Hashable, Codable, CustomStringConvertible {
    public var name: String

    public init(_ name: String) { self.name = name }

    public static let system = AuditActor("system")
    public var description: String { name }
}
