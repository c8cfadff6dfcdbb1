import Foundation
import RolloverCore

/// The agent's state folder: `device.json` (its id and token, mode 0600) and `trust.json` (its trust store).
/// Every write goes through `AtomicFile` (a temporary file in the same folder, created with its final mode, renamed
/// over the old one), so a crash or a full disk leaves the previous trust store whole, never half a file, and the
/// device token is never readable by others, not even for an instant.
public struct AgentStateFolder: Sendable {
    public struct Credentials: Sendable, Codable, Hashable {
        public var server: String
        public var deviceID: Int64
        public var deviceToken: String
        public var name: String
        public var platform: DevicePlatform
        /// The enrollment file's anchors: allowed into the system trust store although not name-constrained
        /// (see `SystemTrustPolicy`), on every later run too. Absent in state folders from before it existed.
        public var systemTrustAllowed: [String]?
    }

    public let path: String

    public init(path: String) { self.path = path }

    var credentialsFile: String { (path as NSString).appendingPathComponent("device.json") }
    var trustFile: String { (path as NSString).appendingPathComponent("trust.json") }

    public func credentials() throws -> Credentials? {
        guard let data = FileManager.default.contents(atPath: credentialsFile) else { return nil }
        return try DeviceProtocol.decoder().decode(Credentials.self, from: data)
    }

    public func trustStore() throws -> TrustStore {
        guard let data = FileManager.default.contents(atPath: trustFile) else { return TrustStore() }
        return try DeviceProtocol.decoder().decode(TrustStore.self, from: data)
    }

    func save(_ credentials: Credentials) throws {
        try write(DeviceProtocol.encoder().encode(credentials), to: credentialsFile, mode: 0o600)
    }

    func save(_ store: TrustStore) throws {
        try write(DeviceProtocol.encoder().encode(store), to: trustFile, mode: 0o644)
    }

    private func write(_ data: Data, to file: String, mode: mode_t) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // A folder without write bits is read-only by the administrator's choice, even for an agent running as
        // root (which the kernel would let through): the agent honours it and reports the install as failed.
        if let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int, permissions & 0o222 == 0 {
            throw AgentError("cannot write the trust store: the state folder \(path) is read-only (mode \(String(permissions, radix: 8)))")
        }
        do {
            try AtomicFile.write(data, to: file, mode: mode)
        } catch let error as FileWriteError {
            throw AgentError(error.description)
        }
    }
}

/// An agent failure with a sentence for the person running it.
public struct AgentError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
