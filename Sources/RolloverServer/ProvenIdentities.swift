import Foundation
import RolloverService
import RolloverStore
import Synchronization

/// Identities proven before an activation is committed, kept for the swap that follows it, so a certificate's key
/// is unsealed and its TLS context built once per activation rather than once to prove and again to serve.
final class ProvenIdentities: Sendable {
    private let context: ServiceContext
    private let proven = Mutex<[String: LiveCertificates.Identity]>([:])

    init(context: ServiceContext) { self.context = context }

    /// The `prove` step the service runs before it commits an activation.
    var prove: RolloverOperations.Prove {
        { [self] certificate in
            let identity = try await LiveCertificates.identity(of: certificate, context: context)
            proven.withLock { $0[certificate.sha256] = identity }
        }
    }

    /// The identity to serve for a committed activation: the one proven for it, else proven now.
    func take(_ certificate: StoredCertificate) async throws -> LiveCertificates.Identity {
        if let identity = proven.withLock({ $0.removeValue(forKey: certificate.sha256) }) { return identity }
        return try await LiveCertificates.identity(of: certificate, context: context)
    }
}
