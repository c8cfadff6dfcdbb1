import Foundation
import RolloverCore
import RolloverStore

/// Everything an operation needs: the data folder, the store (SQLite in the folder unless a PostgreSQL URL is
/// given), the master key's vault, and who is acting.
public struct ServiceContext: Sendable {
    public let dataFolder: String
    public let store: any Store
    public let vault: KeyVault
    public let actor: AuditActor
    /// Where the master key lives when it is a file (nil when it comes from the environment).
    public let masterKeyFile: String?
    /// The data folder's lock, held shared while this context lives (see `DataFolderLock`).
    let folderLock: DataFolderLock
    /// With PostgreSQL, the store's own lock, held shared too: a server on another machine counts (see `PostgresUseLock`).
    let storeLock: PostgresUseLock?

    /// Opens (and on first use creates) the data folder, the master key and the store, migrated.
    /// - Parameter time: what "now" is for the times the store stamps (the simulator's virtual clock).
    public static func open(
        dataFolder: String, databaseURL: String? = nil, masterKeyFile: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment, actor: AuditActor, time: TimeSource = .system
    ) async throws -> ServiceContext {
        try DataFolderPermissions.secure(dataFolder, sqlite: databaseURL == nil)
        let folderLock = try await DataFolderLock(folder: dataFolder)
        let storeLock: PostgresUseLock? = if let databaseURL { try await PostgresUseLock(url: databaseURL) } else { nil }
        let store: any Store = if let databaseURL {
            try PostgresStore(url: databaseURL, time: time)
        } else {
            try SQLiteStore(path: (dataFolder as NSString).appendingPathComponent("rollover.sqlite"), time: time)
        }
        try await store.migrate()
        let keyFile = environment[MasterKey.environmentVariable] == nil
            ? (masterKeyFile ?? (dataFolder as NSString).appendingPathComponent("master.key")) : nil
        if let keyFile {
            try await MasterKeyRotation.finishInterruptedRotation(keyFile: keyFile, store: store)
            // A new master key is made only for a store that has no keys yet; otherwise a missing file is lost keys.
            let sealed = try await store.allPrivateKeys().count
            if sealed > 0, !FileManager.default.fileExists(atPath: keyFile) {
                throw StoreError(.notFound, "the master key \(keyFile) is missing but the store holds \(sealed) sealed private key(s): restore the file or set \(MasterKey.environmentVariable)")
            }
        }
        let masterKey = try MasterKey.load(environment: environment, file: masterKeyFile, dataFolder: dataFolder)
        return ServiceContext(dataFolder: dataFolder, store: store, vault: KeyVault(masterKey: masterKey), actor: actor, masterKeyFile: keyFile,
                              folderLock: folderLock, storeLock: storeLock)
    }

    /// The same context acting for someone else (an API caller), so audit entries name them.
    public func acting(as actor: AuditActor) -> ServiceContext {
        ServiceContext(dataFolder: dataFolder, store: store, vault: vault, actor: actor, masterKeyFile: masterKeyFile, folderLock: folderLock,
                       storeLock: storeLock)
    }
}
