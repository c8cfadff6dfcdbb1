/// Bounds on what one admin request may ask for, beyond the body size: each is far above what an administrator
/// needs and far below what would make a certificate, a response or a device's trust check expensive.
enum RequestBounds {
    /// Connection addresses in one certificate or address change (browsers and MDM clients check every SAN).
    static let connectionAddresses = 100

    static func checkAddressCount(_ count: Int) throws {
        guard count <= connectionAddresses else {
            throw APIError(.badRequest, "too-many-addresses", "at most \(connectionAddresses) connection addresses, not \(count)")
        }
    }
}
