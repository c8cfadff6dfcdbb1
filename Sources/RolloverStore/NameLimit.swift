import Foundation

/// The bound on every name an administrator or a device gives (admin tokens, enrollment secrets, devices): counted
/// in UTF-8 bytes, since that is what the database, the audit log and every line that prints the name hold; a bound
/// in characters lets one "character" of many combining marks or emoji be kilobytes.
public enum NameLimit {
    public static let maximumBytes = 128

    /// Refuses an empty name or one over `maximumBytes` with 400 `name-too-long` (`what` names it in the message).
    public static func check(_ name: String, what: String = "a name") throws {
        let bytes = name.utf8.count
        guard bytes > 0 else { throw StoreError(.invalid, "\(what) must not be empty", specificCode: "name-empty") }
        guard bytes <= maximumBytes else {
            throw StoreError(.invalid, "\(what) is at most \(maximumBytes) bytes of UTF-8; this one is \(bytes)", specificCode: "name-too-long")
        }
        // Control and format characters (escape sequences, bidirectional overrides, zero-width marks) would reach
        // logs and terminals, or make two names look alike.
        guard !name.unicodeScalars.contains(where: { [.control, .format].contains($0.properties.generalCategory) }) else {
            throw StoreError(.invalid, "\(what) has a control or format character", specificCode: "name-control-character")
        }
    }
}
