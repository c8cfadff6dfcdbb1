/// Bounds on what one admin request may ask for, beyond the body size: each is far above what an administrator
/// needs and far below what would make a certificate, a response or a device's trust check expensive.
enum RequestBounds {
    /// Connection addresses in one certificate or address change (browsers and MDM clients check every SAN).
    static let connectionAddresses = 100

    /// Names of tokens, enrollment secrets and devices: at most 128 UTF-8 bytes (a character count lets a name of
    /// combining marks grow without bound) and no control characters, which would reach logs and terminals.
    static let longestNameBytes = 128

    static func checkName(_ name: String, _ what: String) throws {
        guard !name.isEmpty, name.utf8.count <= longestNameBytes else {
            throw APIError(.badRequest, "bad-name", "\(what) is 1 to \(longestNameBytes) bytes of UTF-8")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) else {
            throw APIError(.badRequest, "bad-name", "\(what) has no control or format characters")
        }
    }

    static func checkAddressCount(_ count: Int) throws {
        guard count <= connectionAddresses else {
            throw APIError(.badRequest, "too-many-addresses", "at most \(connectionAddresses) connection addresses, not \(count)")
        }
    }
}
