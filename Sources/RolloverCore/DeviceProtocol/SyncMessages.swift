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

    public init(deviceID: Int64, agentVersion: String, platform: DevicePlatform, held: [String], results: [InstallResult]) {
        protocolVersion = DeviceProtocol.version
        self.deviceID = deviceID
        self.agentVersion = agentVersion
        self.platform = platform
        self.held = held
        self.results = results
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

    public init(add: [TrustItem], remove: [String], reserve: ReserveCertificate?, addresses: [String], nextSyncSeconds: Int) {
        protocolVersion = DeviceProtocol.version
        self.add = add
        self.remove = remove
        self.reserve = reserve
        self.addresses = addresses
        self.nextSyncSeconds = nextSyncSeconds
    }
}
