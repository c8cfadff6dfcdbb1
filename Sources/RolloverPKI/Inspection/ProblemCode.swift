/// The stable codes of everything an inspection can find. They are part of the JSON output and
/// of the API: never rename one, only add.
public enum ProblemCode: String, Sendable, Codable, CaseIterable {
    // Errors: the certificate cannot be imported.
    case malformed
    case unsupportedFormat = "unsupported-format"
    case wrongPassword = "wrong-password"
    case noPrivateKey = "no-private-key"
    /// Keys but no certificate: the administrator gave the key file alone.
    case noCertificate = "no-certificate"
    case keyMismatch = "key-mismatch"
    case incompleteChain = "incomplete-chain"
    /// A path to a root exists but breaks RFC 5280 (a CA without basicConstraints, a broken signature, a name
    /// constraint): different advice from a missing intermediate, so a code of its own.
    case invalidChain = "invalid-chain"
    case expired
    case notYetValid = "not-yet-valid"
    case validityTooLong = "validity-too-long"
    case hostnameMismatch = "hostname-mismatch"
    case weakKey = "weak-key"
    case weakSignature = "weak-signature"
    case missingServerAuth = "missing-server-auth"
    // Warnings: importable, but someone has to know.
    case selfSigned = "self-signed"
    case expiresSoon = "expires-soon"
    case rootNotIncluded = "root-not-included"
}

/// One finding of an inspection, with a sentence written for the administrator who has to act on it.
public struct Problem: Sendable, Hashable, Codable {
    public var code: ProblemCode
    public var message: String

    public init(_ code: ProblemCode, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// Why a file or part of a file could not be read. Carries the same codes as the report.
struct ReadFailure: Error, Sendable {
    var code: ProblemCode
    var message: String

    init(_ code: ProblemCode, _ message: String) {
        self.code = code
        self.message = message
    }

    static func malformed(_ message: String) -> ReadFailure { ReadFailure(.malformed, message) }
    static func unsupported(_ message: String) -> ReadFailure { ReadFailure(.unsupportedFormat, message) }
    static func wrongPassword(_ message: String) -> ReadFailure { ReadFailure(.wrongPassword, message) }
}
