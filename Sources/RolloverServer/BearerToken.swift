import Hummingbird

extension Request {
    /// The token of an `Authorization: Bearer <token>` header, or nil. Callers hash it at once and never log it.
    var bearerToken: String? {
        guard let header = headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}
