import Foundation

/// Device sync, version 1 (see DESIGN.md and `openapi.json`). JSON over HTTPS; dates are ISO 8601.
public enum DeviceProtocol {
    public static let version = 1
    /// The largest enroll or sync body the server reads; a device's report is a few kilobytes.
    public static let maximumBodySize = 256 * 1024

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// `POST /api/v1/enroll`: an enrollment secret buys a device id and token.
public struct EnrollRequest: Sendable, Codable, Hashable {
    public var secret: String
    public var name: String
    public var platform: DevicePlatform
    public var agentVersion: String

    public init(secret: String, name: String, platform: DevicePlatform, agentVersion: String) {
        self.secret = secret
        self.name = name
        self.platform = platform
        self.agentVersion = agentVersion
    }
}

public struct EnrollResponse: Sendable, Codable, Hashable {
    public var deviceID: Int64
    /// 256 random bits, shown once; the server keeps only its SHA-256.
    public var deviceToken: String
    public var syncPeriodSeconds: Int
    /// The current trust material, in the shape of a sync answer to a device that holds nothing.
    public var trust: SyncResponse

    public init(deviceID: Int64, deviceToken: String, syncPeriodSeconds: Int, trust: SyncResponse) {
        self.deviceID = deviceID
        self.deviceToken = deviceToken
        self.syncPeriodSeconds = syncPeriodSeconds
        self.trust = trust
    }
}

/// What a device reports about one item it was asked to install or remove.
public struct InstallResult: Sendable, Codable, Hashable {
    public enum Status: String, Sendable, Codable { case installed, removed, failed }
    public var fingerprint: String
    public var status: Status
    /// Why it failed, in the device's words.
    public var reason: String?

    public init(fingerprint: String, status: Status, reason: String? = nil) {
        self.fingerprint = fingerprint
        self.status = status
        self.reason = reason
    }
}

/// `POST /api/v1/sync` with the device token: what the device holds and how its last installs went.
public struct SyncRequest: Sendable, Codable, Hashable {
    public var protocolVersion: Int
    public var deviceID: Int64
    public var agentVersion: String
    public var platform: DevicePlatform
    /// Fingerprints of every anchor and pin in the device's trust store.
    public var held: [String]
    public var results: [InstallResult]
    /// The handover record the device's trust state is at (absent from agents that know no handovers).
    public var handoverSequence: Int?
    /// Set once, in the first sync after the device caught up through handover records.
    public var walked: Walk?

    /// The handover records a device walked: from the state at `from` to the one at `to`.
    public struct Walk: Sendable, Codable, Hashable {
        public var from: Int
        public var to: Int

        public init(from: Int, to: Int) {
            self.from = from
            self.to = to
        }
    }

    public init(deviceID: Int64, agentVersion: String, platform: DevicePlatform, held: [String], results: [InstallResult],
                handoverSequence: Int? = nil) {
        protocolVersion = DeviceProtocol.version
        self.deviceID = deviceID
        self.agentVersion = agentVersion
        self.platform = platform
        self.held = held
        self.results = results
        self.handoverSequence = handoverSequence
    }
}

/// The server's answer: what to add and remove, the reserve certificate, where to connect, when to come back.
public struct SyncResponse: Sendable, Codable, Hashable {
    public var protocolVersion: Int
    public var add: [TrustItem]
    public var remove: [String]
    public var reserve: ReserveCertificate?
    public var addresses: [String]
    public var nextSyncSeconds: Int
    /// Where the host's handover chain stands: a device that applied this answer is at `sequence`.
    public var handover: HandoverPosition?

    public init(add: [TrustItem], remove: [String], reserve: ReserveCertificate?, addresses: [String], nextSyncSeconds: Int,
                handover: HandoverPosition? = nil) {
        protocolVersion = DeviceProtocol.version
        self.add = add
        self.remove = remove
        self.reserve = reserve
        self.addresses = addresses
        self.nextSyncSeconds = nextSyncSeconds
        self.handover = handover
    }
}

/// The newest handover record of the host a device syncs with, and how old a record a walk may start from.
public struct HandoverPosition: Sendable, Codable, Hashable {
    /// The host whose chain it is; "" for the default certificate.
    public var host: String
    public var sequence: Int
    /// `handover-max-age` in seconds.
    public var maximumAgeSeconds: Int

    public init(host: String, sequence: Int, maximumAgeSeconds: Int) {
        self.host = host
        self.sequence = sequence
        self.maximumAgeSeconds = maximumAgeSeconds
    }
}
