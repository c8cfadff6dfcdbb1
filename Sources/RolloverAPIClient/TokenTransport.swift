import Foundation

/// Where an admin token may be sent: over HTTPS anywhere, over plain HTTP only to this machine (127.0.0.0/8, ::1,
/// localhost), where nothing crosses a network. Anything else is refused before a connection is made.
public enum TokenTransport {
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// `insecure-server-url` (plain HTTP to another machine) or `invalid-server-url`.
        public var code: String
        public var message: String
        public var description: String { "\(code): \(message)" }
    }

    public static func check(_ server: String) throws {
        guard let components = URLComponents(string: server), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else {
            throw Refusal(code: "invalid-server-url", message: "\(server) is not a server URL such as https://mdm.example.com:8443")
        }
        switch scheme {
        case "https": return
        case "http":
            guard isLoopback(host) else {
                throw Refusal(code: "insecure-server-url", message: """
                    the admin token is never sent over plain http:// except to this machine (127.0.0.0/8, ::1, localhost): \
                    use https://\(host)\(components.port.map { ":\($0)" } ?? "")
                    """)
            }
        default:
            throw Refusal(code: "invalid-server-url", message: "\(server) is neither https:// nor http://")
        }
    }

    /// `localhost`, an IPv4 address in 127.0.0.0/8 (dotted decimal, as `inet_pton` reads it) or `::1`. Names under
    /// `localhost` are not taken: nothing guarantees a resolver keeps them on this machine.
    static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if name == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, name, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { $0[0] == 127 }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, name, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
        }
        return false
    }
}
