import Foundation
import RolloverCore
import RolloverStore

/// `rollover keys rotate-master`: every key re-sealed under a new master key in one transaction.
///
/// The new key is written beside the old one (`master.key.new`) before the transaction and moved into place after
/// it, so a crash at any point leaves a key file that opens the store; `finishInterruptedRotation` completes or
/// discards a half-done rotation on the next start.
///
/// It is refused (409 `store-in-use`) while another process has the data folder open, or, with PostgreSQL, uses the
/// store from anywhere — a running server holds the old key and would seal the next imported certificate's key under
/// it — and the store itself refuses a key sealed under a master key it no longer uses (409 `master-key-rotated`).
public enum MasterKeyRotation {
    public static func rotate(_ context: ServiceContext, newKeyFile: String? = nil) async throws -> (rotated: Int, newKey: MasterKey) {
        let target = context.masterKeyFile ?? newKeyFile
        guard let target else {
            throw StoreError(.invalid, "the master key comes from \(MasterKey.environmentVariable): give --new-master-key-file to receive the new key")
        }
        let staging = target + ".new"
        try AtomicFile.checkTarget(staging)
        let rotation = { () async throws -> (rotated: Int, newKey: MasterKey) in
            let newKey = MasterKey.generate()
            try? FileManager.default.removeItem(atPath: staging)
            try MasterKey.write(newKey, to: staging)
            let keys = try await context.store.allPrivateKeys()
            try await context.store.replacePrivateKeys(try context.vault.reseal(keys, under: KeyVault(masterKey: newKey)), actor: context.actor)
            try replace(target, with: staging)
            return (keys.count, newKey)
        }
        return try await context.folderLock.exclusively {
            guard let storeLock = context.storeLock else { return try await rotation() }
            return try await storeLock.exclusively(rotation)
        }
    }

    /// A `master.key.new` left by a crash: promoted when the store's keys are sealed under it, discarded otherwise.
    static func finishInterruptedRotation(keyFile: String, store: any Store) async throws {
        let staging = keyFile + ".new"
        guard let data = FileManager.default.contents(atPath: staging) else { return }
        let pending = try MasterKey(base64: String(decoding: data, as: UTF8.self))
        let sealedUnderPending = try await store.allPrivateKeys().values.contains { $0.masterKeyID == pending.id }
        if sealedUnderPending {
            try replace(keyFile, with: staging)
        } else {
            try FileManager.default.removeItem(atPath: staging)
        }
    }

    /// rename(2): the old file is replaced in one step, never removed first (Foundation's replaceItemAt does that on Linux).
    private static func replace(_ target: String, with source: String) throws {
        guard rename(source, target) == 0 else {
            throw StoreError(.invalid, "cannot move \(source) to \(target): \(String(cString: strerror(errno)))")
        }
    }
}
