import Foundation
import RolloverCore
import RolloverPKI
import RolloverService
import RolloverStore
import X509

/// What `rollover serve` makes when it starts on an empty data folder: the CA, a server certificate for the
/// connection addresses, an admin token, and `ca.pem` for clients. Later starts find them and make nothing.
public struct FirstStart: Sendable {
    let context: ServiceContext

    public init(_ context: ServiceContext) { self.context = context }

    public struct Outcome: Sendable {
        /// The new admin token, when one was made (printed once, also in `DIR/admin-token`).
        public var newAdminToken: String?
        public var caFile: String
        public var adminTokenFile: String
    }

    /// - Parameter caKeyType: the key of the CA when it is created now (P-256 by default, RSA-3072 on request).
    public func prepare(addresses: [ConnectionAddress], caKeyType: KeyType = .ecP256) async throws -> Outcome {
        // The CA root is standing trust material: every device gets it at enrollment and keeps it.
        let authority = try await AuthorityService(context).authorityAsStandingRoot(keyType: caKeyType, at: Date())
        let caFile = (context.dataFolder as NSString).appendingPathComponent("ca.pem")
        // Public (0644), and written only when it changed: a start on a full disk does not fail over it.
        let caPEM = try authority.certificate.serializeAsPEM().pemString
        try AtomicFile.update(Array(caPEM.utf8), at: caFile, mode: 0o644)

        let served = try await context.store.certificates(in: .active).filter { $0.source != .authority }
        if served.isEmpty {
            let id = try await AuthorityService(context).issueServerCertificate(for: addresses, now: Date())
            try await context.store.activateCertificate(id: id, actor: .system)
        }

        let tokenFile = (context.dataFolder as NSString).appendingPathComponent("admin-token")
        var newToken: String?
        if try await context.store.adminTokens().isEmpty {
            let (token, hash) = AdminTokens.generate()
            // The file first: a token in the store that no file holds would lock everyone out, while a file whose
            // token never reached the store is replaced at the next start (the store still has no admin token).
            try AtomicFile.write(Array((token + "\n").utf8), to: tokenFile, mode: 0o600)
            _ = try await context.store.insertAdminToken(name: "initial-admin", tokenSHA256: hash, actor: .system)
            newToken = token
        }
        return Outcome(newAdminToken: newToken, caFile: caFile, adminTokenFile: tokenFile)
    }
}

extension LiveCertificates {
    /// Installs every active served certificate from the store, each proven against its key first.
    public func load(from context: ServiceContext) async throws {
        for certificate in try await context.store.certificates(in: .active) where certificate.source != .authority {
            install(try await Self.identity(of: certificate, context: context), for: certificate.hostName)
        }
    }

    static func identity(of certificate: StoredCertificate, context: ServiceContext) async throws -> Identity {
        guard let keyID = certificate.privateKeyID else { throw StoreError(.invalid, "certificate \(certificate.id) has no private key") }
        let keyPEM = try await KeyRepository(context).load(id: keyID).serializeAsPEM().pemString
        return try await prove(leafDER: certificate.der, chainPEM: certificate.chainPEM, keyPEM: keyPEM)
    }
}
