import Foundation

/// An open rollover as the lifecycle sees it.
public struct LifecycleRollover: Sendable, Hashable {
    public var id: Int64
    public var preset: RolloverPreset
    public var certificateID: Int64?
    /// The SNI host name the target serves (nil: the default certificate).
    public var hostName: String?
    public var createdAt: Date
    /// Distribute first: the next readiness check. Reserve presets: the activation instant.
    public var checkAt: Date
    /// Distribute first: the latest date checks are extended to. Reserve presets: equal to `checkAt`.
    public var deadline: Date
    /// Readiness checks that failed so far (each one extended or held).
    public var extensions: Int
    /// Set once the deadline passed unready under the `hold` policy.
    public var heldAt: Date?

    public init(id: Int64, preset: RolloverPreset, certificateID: Int64?, hostName: String? = nil, createdAt: Date, checkAt: Date,
                deadline: Date, extensions: Int = 0, heldAt: Date? = nil) {
        self.id = id
        self.preset = preset
        self.certificateID = certificateID
        self.hostName = hostName
        self.createdAt = createdAt
        self.checkAt = checkAt
        self.deadline = deadline
        self.extensions = extensions
        self.heldAt = heldAt
    }
}

/// A certificate the server serves now.
public struct LiveCertificate: Sendable, Hashable {
    public var id: Int64
    public var hostName: String?
    public var notBefore: Date
    public var notAfter: Date
    public var source: CertificateSource

    public init(id: Int64, hostName: String?, notBefore: Date, notAfter: Date, source: CertificateSource) {
        self.id = id
        self.hostName = hostName
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.source = source
    }
}

/// Everything a lifecycle decision depends on. `readiness` is needed for the rollovers `Lifecycle.due` names.
public struct LifecycleState: Sendable {
    public var now: Date
    public var policy: LifecyclePolicy
    public var rollovers: [LifecycleRollover]
    public var live: [LiveCertificate]
    public var readiness: [Int64: Readiness]
    /// Keys of alerts already raised.
    public var raisedAlerts: Set<String>
    /// Devices enrolled (not retired) now, and, per open rollover, how many of them enrolled after it started.
    public var devices: Int
    public var enrolledDuring: [Int64: Int]

    public init(now: Date, policy: LifecyclePolicy, rollovers: [LifecycleRollover], live: [LiveCertificate],
                readiness: [Int64: Readiness] = [:], raisedAlerts: Set<String> = [], devices: Int = 0, enrolledDuring: [Int64: Int] = [:]) {
        self.now = now
        self.policy = policy
        self.rollovers = rollovers
        self.live = live
        self.readiness = readiness
        self.raisedAlerts = raisedAlerts
        self.devices = devices
        self.enrolledDuring = enrolledDuring
    }
}

/// What the lifecycle wants done.
public enum LifecycleDecision: Sendable, Hashable {
    /// Switch the live certificate to the rollover's target; `readiness` is recorded with it.
    case activate(rolloverID: Int64, certificateID: Int64, readiness: Readiness?, reason: String)
    /// Not ready yet: check again at `checkAt`.
    case extend(rolloverID: Int64, checkAt: Date, extensions: Int)
    /// The deadline passed unready under `hold`: stay on the old certificate, re-check at `checkAt`.
    case hold(rolloverID: Int64, checkAt: Date, extensions: Int)
    /// Issue a reserve from the server's own CA for the live certificate `certificateID`, activating at `activatesAt`.
    case reissue(certificateID: Int64, hostName: String?, activatesAt: Date)
    case alert(LifecycleAlert)
}
