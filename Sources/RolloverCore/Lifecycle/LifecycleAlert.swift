/// Something an administrator must hear about. `key` makes it raised once: the same key is never raised again.
public struct LifecycleAlert: Sendable, Hashable, Codable {
    public enum Severity: String, Sendable, Codable { case info, warning, critical }

    public var key: String
    public var severity: Severity
    /// A stable code: `certificate-expiring`, `certificate-expired`, `rollover-extended`, `rollover-held`,
    /// `rollover-activated-unready`, `reserve-delay-short`, `activation-failed`, `reissue-failed`, `https-mode-off` (an activation waits for HTTPS mode), `setting-out-of-range`, `enrollment-spike`.
    public var code: String
    public var message: String
    public var certificateID: Int64?
    public var rolloverID: Int64?

    public init(key: String, severity: Severity, code: String, message: String, certificateID: Int64? = nil, rolloverID: Int64? = nil) {
        self.key = key
        self.severity = severity
        self.code = code
        self.message = message
        self.certificateID = certificateID
        self.rolloverID = rolloverID
    }
}
