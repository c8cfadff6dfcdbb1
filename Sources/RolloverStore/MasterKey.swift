import Crypto
import Foundation
import RolloverCore

/// The 256-bit key every private key is sealed under. From `ROLLOVER_MASTER_KEY` (base64), a file
/// (`--master-key-file`), or created on first start as `master.key` (mode 0600) in the data folder.
public struct MasterKey: Sendable {
    let key: SymmetricKey
    /// A short public name of the key (SHA-256 of it, first 8 bytes, hex) recorded beside each sealed key,
    /// so a rotation can tell which key sealed what. It reveals nothing usable about the key.
    public let id: String

    public static let environmentVariable = "ROLLOVER_MASTER_KEY"

    public init(bytes: [UInt8]) throws {
        guard bytes.count == 32 else {
            throw StoreError(.invalid, "a master key must be 32 bytes (base64 of 32 random bytes); this one is \(bytes.count)")
        }
        key = SymmetricKey(data: bytes)
        id = SHA256.hash(data: bytes).prefix(8).hexEncoded
    }

    /// A new random key.
    public static func generate() -> MasterKey {
        // A fresh 256-bit key is always 32 bytes, so the throwing initializer cannot fail here.
        try! MasterKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    public init(base64: String) throws {
        guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw StoreError(.invalid, "the master key is not valid base64")
        }
        try self.init(bytes: Array(data))
    }

    public var base64: String { key.withUnsafeBytes { Data($0).base64EncodedString() } }

    /// Resolves the master key: the environment variable, else the given file, else `dataFolder/master.key`,
    /// created with mode 0600 when it does not exist yet.
    public static func load(environment: [String: String], file: String?, dataFolder: String) throws -> MasterKey {
        if let value = environment[environmentVariable] { return try MasterKey(base64: value) }
        let path = file ?? (dataFolder as NSString).appendingPathComponent("master.key")
        if let data = FileManager.default.contents(atPath: path) {
            return try MasterKey(base64: String(decoding: data, as: UTF8.self))
        }
        guard file == nil else { throw StoreError(.notFound, "the master key file \(path) does not exist") }
        let created = generate()
        try write(created, to: path)
        return created
    }

    /// Writes the key readable by its owner only (created with that mode, so it is never briefly world-readable),
    /// whole or not at all, and never over an existing file: a key file replaced is keys lost.
    public static func write(_ key: MasterKey, to path: String) throws {
        try AtomicFile.write(Array((key.base64 + "\n").utf8), to: path, mode: 0o600, existing: .keep)
    }
}
