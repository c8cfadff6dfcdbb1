import Foundation
import RolloverCore
import RolloverPKI
import RolloverStore

/// Imports a certificate after inspecting it: staged, with its chain and its key sealed in the store. The key comes
/// from the files, or, for a certificate signed from one of our requests, from the store. A refused import changes
/// nothing.
public struct CertificateImport: Sendable {
    let context: ServiceContext

    public init(_ context: ServiceContext) { self.context = context }

    public struct Outcome: Sendable {
        public var report: InspectionReport
        /// The stored certificate's id; nil when the import was refused.
        public var certificateID: Int64?
        /// The signing request the certificate answered, if it did.
        public var fulfilledRequestID: Int64?
    }

    /// - Parameter hostName: the SNI host name the certificate will serve, or nil for the default certificate.
    public func run(_ files: [FileContents], options: InspectionOptions, hostName: String? = nil) async throws -> Outcome {
        var report = await Inspector.inspect(files, options: options)
        var pendingKeyID: Int64?
        var fulfilled: StoredSigningRequest?
        // A certificate without its key binds only to the key of one of our pending signing requests (it came back
        // without it, as it should), never to another stored key with the same public key: not the CA's, not a
        // live certificate's, so an import cannot borrow a key it was never issued for.
        if report.key == nil, let leaf = report.leaf, let fingerprint = PublicKeyFingerprint.of(leaf),
            let keyID = try await context.store.privateKeyID(publicKeySHA256: fingerprint),
            let request = try await context.store.signingRequests().first(where: { $0.privateKeyID == keyID })
        {
            pendingKeyID = keyID
            fulfilled = request
            report.errors.removeAll { $0.code == .noPrivateKey }
            report.keyHeldByRollover = true
        }
        guard report.ok, let leaf = report.leaf else { return Outcome(report: report, certificateID: nil, fulfilledRequestID: nil) }
        if try await context.store.certificates(in: nil).contains(where: { $0.sha256 == leaf.sha256Fingerprint }) {
            report.errors.append(Problem(.malformed, "this certificate was imported already"))
            return Outcome(report: report, certificateID: nil, fulfilledRequestID: nil)
        }

        let keyID: Int64
        if let pendingKeyID {
            keyID = pendingKeyID
        } else if let key = report.key {
            keyID = try await KeyRepository(context).save(try key.certificatePrivateKey(), purpose: "server")
        } else {
            return Outcome(report: report, certificateID: nil, fulfilledRequestID: nil)
        }
        let chain = report.chain.dropFirst().prefix(report.certificatesFromFiles - 1)
        let record = StoredCertificate(
            sha256: leaf.sha256Fingerprint, der: leaf.der, chainPEM: chain.map(\.pem).joined(separator: "\n"),
            subject: leaf.subject.description, notBefore: leaf.notBefore, notAfter: leaf.notAfter,
            state: .staged, source: .imported, privateKeyID: keyID, hostName: hostName?.lowercased(), fromSigningRequest: pendingKeyID != nil)
        let id = try await context.store.insertCertificate(record, actor: context.actor)
        if let fulfilled {
            // The request is answered; its key now belongs to the certificate and stays.
            try await context.store.deleteSigningRequest(id: fulfilled.id, actor: context.actor)
        }
        return Outcome(report: report, certificateID: id, fulfilledRequestID: fulfilled?.id)
    }
}
