import Foundation
import RolloverCore

/// What a device trusts, and nothing else: anchors (CAs the served chain must lead to), pins (exact leaf
/// certificates) and the reserve certificate, trusted from its activation time. The agent never consults the
/// system trust store, so this value alone decides whether a server is accepted.
public struct TrustStore: Sendable, Codable, Hashable {
    public var anchors: [TrustItem]
    public var pins: [TrustItem]
    public var reserve: ReserveCertificate?
    /// The connection addresses the server last announced.
    public var addresses: [String]
    /// The handover record this state is at (nil or 0: none yet); a walk asks for the records after it.
    public var handoverSequence: Int?
    /// `handover-max-age` as the server last said over a trusted connection: how old a record a walk accepts.
    public var handoverMaximumAgeSeconds: Int?

    public init(anchors: [TrustItem] = [], pins: [TrustItem] = [], reserve: ReserveCertificate? = nil, addresses: [String] = [],
                handoverSequence: Int? = nil, handoverMaximumAgeSeconds: Int? = nil) {
        self.anchors = anchors
        self.pins = pins
        self.reserve = reserve
        self.addresses = addresses
        self.handoverSequence = handoverSequence
        self.handoverMaximumAgeSeconds = handoverMaximumAgeSeconds
    }

    /// The fingerprints the device reports as held: every anchor and pin, and the reserve.
    public var held: [String] {
        (anchors.map(\.fingerprint) + pins.map(\.fingerprint) + [reserve?.fingerprint].compactMap { $0 }).sorted()
    }

    public var isEmpty: Bool { anchors.isEmpty && pins.isEmpty && reserve == nil }

    func contains(_ fingerprint: String) -> Bool {
        anchors.contains { $0.fingerprint == fingerprint } || pins.contains { $0.fingerprint == fingerprint }
    }
}
