import Foundation

/// The one way Rollover writes a file: whole or not at all, never briefly readable by others, and never over
/// something that is not a regular file.
///
/// The content goes to a temporary file created beside the target with its final mode (`open(O_CREAT|O_EXCL,
/// mode)`, so a secret is never world-readable, not even for an instant), is flushed to disk (`fsync`), and is then
/// renamed over the target (or linked to it, when an existing file must be kept). A crash or a full disk leaves the
/// old file whole. A target that exists and is not a regular file (a device such as `/dev/null`, a folder, a
/// symbolic link, a socket) is refused before anything is written.
///
/// Used for the admin token file, `ca.pem`, the enrollment file, `csr --out`, the agent's `device.json` and
/// `trust.json`, `master.key` and `master.key.new`, and the trust exports.
public enum AtomicFile {
    /// What to do when the target exists (as a regular file).
    public enum Existing: Sendable {
        /// Replace it in one step (`rename`).
        case replace
        /// Keep it and refuse with `file-exists` (`link`, which never replaces): for a file whose loss loses data,
        /// such as a new master key.
        case keep
    }

    /// Writes `bytes` to `path` with `mode` (exactly, whatever the umask).
    public static func write(_ bytes: some Collection<UInt8>, to path: String, mode: mode_t = 0o600, existing: Existing = .replace) throws {
        try checkTarget(path)
        let temporary = try createTemporary(beside: path, mode: mode)
        var isOpen = true
        do {
            try writeAll(Array(bytes), to: temporary.descriptor, path: temporary.path)
            guard fsync(temporary.descriptor) == 0 else { throw FileWriteError(.cannotWrite, path, "cannot flush \(temporary.path): \(reason())") }
            close(temporary.descriptor)
            isOpen = false
            switch existing {
            case .replace:
                guard rename(temporary.path, path) == 0 else { throw FileWriteError(.cannotWrite, path, "cannot rename \(temporary.path) to \(path): \(reason())") }
            case .keep:
                guard link(temporary.path, path) == 0 else {
                    let exists = errno == EEXIST
                    throw FileWriteError(exists ? .exists : .cannotWrite, path,
                                         exists ? "\(path) exists already; it is kept as it is" : "cannot create \(path): \(reason())")
                }
                unlink(temporary.path)
            }
        } catch {
            if isOpen { close(temporary.descriptor) }
            unlink(temporary.path)
            throw error
        }
        syncFolder(of: path)
    }

    /// Writes `bytes` only when the file does not hold them already, so an unchanged file costs no disk space and
    /// no write (a start on a full disk does not fail over `ca.pem`). Returns whether it wrote.
    @discardableResult
    public static func update(_ bytes: some Collection<UInt8>, at path: String, mode: mode_t) throws -> Bool {
        try checkTarget(path)
        let wanted = Array(bytes)
        if let current = FileManager.default.contents(atPath: path), Array(current) == wanted { return false }
        try write(wanted, to: path, mode: mode)
        return true
    }

    /// Refuses a target that cannot be written as a regular file: it exists and is not one, or its folder is
    /// missing. Call it before any change whose result the file is meant to hold, so a refusal changes nothing.
    public static func checkTarget(_ path: String) throws {
        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFREG else {
                throw FileWriteError(.notARegularFile, path, "\(path) is \(kind(status.st_mode)), not a regular file: it is left alone and nothing was written")
            }
            return
        }
        guard errno == ENOENT else { throw FileWriteError(.cannotWrite, path, "cannot examine \(path): \(reason())") }
        var folderStatus = stat()
        let folder = folder(of: path)
        guard stat(folder, &folderStatus) == 0, folderStatus.st_mode & S_IFMT == S_IFDIR else {
            throw FileWriteError(.cannotWrite, path, "cannot write \(path): the folder \(folder) does not exist")
        }
    }

    private static func createTemporary(beside path: String, mode: mode_t) throws -> (path: String, descriptor: Int32) {
        let name = (path as NSString).lastPathComponent
        for _ in 0..<16 {
            let candidate = (folder(of: path) as NSString).appendingPathComponent(".\(name).\(String(UInt64.random(in: 0...UInt64.max), radix: 36)).tmp")
            let descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if descriptor >= 0 {
                // The umask may have taken bits away (a public file meant to be 0644): set exactly the mode asked for.
                guard fchmod(descriptor, mode) == 0 else {
                    let failure = reason()
                    close(descriptor)
                    unlink(candidate)
                    throw FileWriteError(.cannotWrite, path, "cannot set the mode of \(candidate): \(failure)")
                }
                return (candidate, descriptor)
            }
            guard errno == EEXIST else { throw FileWriteError(.cannotWrite, path, "cannot create a temporary file beside \(path): \(reason())") }
        }
        throw FileWriteError(.cannotWrite, path, "cannot create a temporary file beside \(path)")
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw FileWriteError(.cannotWrite, path, "cannot write \(path): \(reason())")
            }
            offset += written
        }
    }

    /// The rename is durable once the folder's entry is on disk; a failure here loses nothing already written.
    private static func syncFolder(of path: String) {
        let descriptor = open(folder(of: path), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private static func folder(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFDIR: "a folder"
        case S_IFLNK: "a symbolic link"
        case S_IFIFO: "a named pipe"
        case S_IFSOCK: "a socket"
        default: "something else"
        }
    }

    private static func reason() -> String { String(cString: strerror(errno)) }
}

/// A file Rollover refused or failed to write, with a stable code; nothing at the path was changed.
public struct FileWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The path is a device, folder, link, pipe or socket.
        case notARegularFile = "not-a-regular-file"
        /// The file exists and was meant to be kept (a master key).
        case exists = "file-exists"
        /// The system refused (no folder, no permission, disk full).
        case cannotWrite = "cannot-write"
    }

    public var code: Code
    public var path: String
    public var message: String

    public init(_ code: Code, _ path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
