import Foundation
import RolloverStore

/// The data folder holds the master key, the database and the admin token: it is made 0700 at every start, also
/// when it exists already (an older folder, or one created by hand, may be 0755), and the SQLite files are made
/// readable by their owner only (SQLite creates its WAL and shared-memory files with the database's mode).
enum DataFolderPermissions {
    static let databaseFiles = ["rollover.sqlite", "rollover.sqlite-wal", "rollover.sqlite-shm"]

    static func secure(_ folder: String, sqlite: Bool) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try restrict(folder, to: 0o700)
        guard sqlite else { return }
        let database = (folder as NSString).appendingPathComponent(databaseFiles[0])
        // Created empty with its final mode before SQLite opens it, so it is never world-readable (SQLite takes an
        // empty file as a new database).
        let created = open(database, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if created >= 0 { close(created) }
        for name in databaseFiles {
            let path = (folder as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: path) { try restrict(path, to: 0o600) }
        }
    }

    /// Takes away every group and other bit (keeping the owner's), refusing to go on when that is not possible.
    private static func restrict(_ path: String, to mode: mode_t) throws {
        var status = stat()
        guard stat(path, &status) == 0 else { throw StoreError(.invalid, "cannot examine \(path): \(String(cString: strerror(errno)))") }
        guard status.st_mode & 0o077 != 0 else { return }
        guard chmod(path, mode) == 0 else {
            throw StoreError(.invalid, "\(path) is readable by others (mode \(String(status.st_mode & 0o777, radix: 8))) and cannot be made \(String(mode, radix: 8)): \(String(cString: strerror(errno)))")
        }
    }
}
