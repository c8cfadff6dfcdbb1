import Foundation

/// A certificate signing request waiting for its signed certificate; its key is in the store. `id` is 0 until stored.
public struct StoredSigningRequest: Sendable, Hashable {
    public var id: Int64
    public var privateKeyID: Int64
    public var subject: String
    public var addresses: [String]
    public var pem: String
    public var createdAt: Date

    public init(id: Int64 = 0, privateKeyID: Int64, subject: String, addresses: [String], pem: String, createdAt: Date) {
        self.id = id
        self.privateKeyID = privateKeyID
        self.subject = subject
        self.addresses = addresses
        self.pem = pem
        self.createdAt = createdAt
    }
}
