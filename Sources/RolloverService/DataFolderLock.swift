import Foundation
import RolloverStore

/// `DATA/rollover.lock`: every process that opens the data folder (`rollover serve` for its whole life, each CLI
/// command while it runs) holds a shared `flock` on it through its `ServiceContext`; a master key rotation needs it
/// exclusively, so it is refused while a server (or any other command) holds the old master key in memory and could
/// seal a key under it after the rotation. The kernel drops the lock when the process ends, however it ends.
public final class DataFolderLock: Sendable {
    public static let fileName = "rollover.lock"

    let path: String
    private let descriptor: Int32

    /// Opens the lock file and takes it shared, waiting up to `timeout` seconds while a rotation holds it.
    init(folder: String, timeout: Double = 30) async throws {
        path = (folder as NSString).appendingPathComponent(Self.fileName)
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(.invalid, "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        // A wait, not a time anything is stamped with: the monotonic clock.
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(timeout * 1000)))
        while flock(descriptor, LOCK_SH | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, ContinuousClock.now < deadline else {
                throw StoreError(.conflict, "the data folder \(folder) is locked by a master key rotation (\(path)); try again when it is done",
                                 specificCode: "store-locked")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Also when the initializer throws: every property is set by then.
    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Runs `body` holding the lock alone, and shares it again afterwards; refused with 409 `store-in-use` when
    /// another process (a running `rollover serve`) has the data folder open.
    func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            // Converting may have given up the shared lock; take it back (waiting is fine: others share it).
            flock(descriptor, LOCK_SH)
            throw StoreError(.conflict, """
                another Rollover process has this data folder open (a running `rollover serve`, or another command): \
                stop it before rotating the master key, so that nothing seals a key under the old one
                """, specificCode: "store-in-use")
        }
        defer { flock(descriptor, LOCK_SH) }
        return try await body()
    }
}
