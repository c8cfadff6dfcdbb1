import Crypto
import Foundation
import RolloverCore

/// Admin tokens: 256 random bits, shown once; only their SHA-256 is stored.
public enum AdminTokens {
    /// A new token (the prefix and 43 base64url characters) and the hash to store. Device tokens and enrollment
    /// secrets are made the same way with their own prefixes, so a leaked string says what it is.
    public static func generate(prefix: String = "rollover_") -> (token: String, sha256: String) {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let token = prefix + bytes.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return (token, hash(token))
    }

    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexEncoded
    }

    /// Compares two hashes without an early exit, so timing tells nothing about how much of a guess matched.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

