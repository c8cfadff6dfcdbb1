import Foundation

/// What an inspection checks against: connection addresses, extra trust, the time, the validity limit.
public struct InspectionOptions: Sendable {
    /// Connection addresses (DNS names or IPs) devices use; each must be in the subjectAltName.
    public var addresses: [String] = []
    /// Roots that count as trusted besides the self-signed ones in the files (`--trust`, the system store).
    public var trustedRoots: [ParsedCertificate] = []
    /// The instant the checks are made for (`--at`); now by default.
    public var at: Date = Date()
    /// The longest validity accepted for the leaf (397 days, the CA/Browser Forum limit, by default).
    public var maxValidityDays: Int = 397
    /// Days left under which the leaf gets an `expires-soon` warning.
    public var expiresSoonDays: Int = 30
    /// The most certificates the files of one inspection may hold together (the trust sources are not counted):
    /// more is refused as `malformed` before any chain is built. The reader's own bound, 1,000 by default.
    public var maximumCertificates: Int = ReadingLimits.standard.maximumCertificates

    public init() {}
}
