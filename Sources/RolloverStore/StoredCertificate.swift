import Foundation
import RolloverCore

/// A certificate the server knows, with its chain and state. `id` is 0 until stored.
public struct StoredCertificate: Sendable, Hashable {
    public var id: Int64
    public var sha256: String
    public var der: [UInt8]
    /// The issuing chain above the certificate, PEM, leaf excluded.
    public var chainPEM: String
    public var subject: String
    public var notBefore: Date
    public var notAfter: Date
    public var state: CertificateState
    public var source: CertificateSource
    public var privateKeyID: Int64?
    /// The SNI host name it serves, or nil for the default certificate.
    public var hostName: String?
    /// It came back signed for one of Rollover's own signing requests (its key never left the store).
    public var fromSigningRequest: Bool

    public init(id: Int64 = 0, sha256: String, der: [UInt8], chainPEM: String, subject: String, notBefore: Date, notAfter: Date,
                state: CertificateState, source: CertificateSource, privateKeyID: Int64?, hostName: String? = nil,
                fromSigningRequest: Bool = false) {
        self.id = id
        self.sha256 = sha256
        self.der = der
        self.chainPEM = chainPEM
        self.subject = subject
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.state = state
        self.source = source
        self.privateKeyID = privateKeyID
        self.hostName = hostName
        self.fromSigningRequest = fromSigningRequest
    }
}
