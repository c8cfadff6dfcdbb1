/// A password as the administrator gave it. Never printed: `description` hides it.
public struct Password: Sendable, CustomStringConvertible {
    public var utf8: [UInt8]

    public init(_ text: String) { utf8 = Array(text.utf8) }
    public init(utf8: [UInt8]) { self.utf8 = utf8 }

    public var description: String { "Password(hidden)" }

    /// PKCS#12 PBES1 and MAC keys use the BMPString form: UTF-16 big-endian with a two-byte terminator.
    var bmpString: [UInt8] {
        String(decoding: utf8, as: UTF8.self).utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } + [0, 0]
    }
}

/// The password bytes to try for one file: the given password, or when none was given both of the forms that
/// tools write for "no password" (an absent password and the empty one), as BoringSSL and OpenSSL also try.
enum PasswordCandidates {
    static func forGiven(_ password: Password?) -> [Password?] {
        // BoringSSL and OpenSSL also try the absent password when the empty one is given, and Windows writes both.
        if let password { return password.utf8.isEmpty ? [password, nil] : [password] }
        return [nil, Password("")]
    }
}
