import Foundation

/// What a device is asked to trust: an anchor (a CA the served chain must lead to) or a pin (an exact
/// certificate the device accepts as the server's leaf).
public enum TrustRole: String, Sendable, Codable, CaseIterable {
    case anchor, pin
}

/// One certificate of the trust material, as the sync protocol carries it: the PEM and its SHA-256 fingerprint
/// (lowercase hex of the DER), so a device can check it received what was meant.
public struct TrustItem: Sendable, Codable, Hashable {
    public var role: TrustRole
    public var fingerprint: String
    public var pem: String

    public init(role: TrustRole, fingerprint: String, pem: String) {
        self.role = role
        self.fingerprint = fingerprint
        self.pem = pem
    }
}

/// A certificate the server will serve from `activatesAt`; a device keeps it and accepts it as a pin from then.
public struct ReserveCertificate: Sendable, Codable, Hashable {
    public var fingerprint: String
    public var pem: String
    public var activatesAt: Date
    /// A change of connection address: where to connect from `activatesAt` on (nil: no change).
    public var addresses: [String]?

    public init(fingerprint: String, pem: String, activatesAt: Date, addresses: [String]? = nil) {
        self.fingerprint = fingerprint
        self.pem = pem
        self.activatesAt = activatesAt
        self.addresses = addresses
    }
}
