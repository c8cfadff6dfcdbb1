import Crypto
import Foundation
import RolloverCore
import NIOCore
import NIOSSL
import Synchronization

/// The certificates the running server presents, chosen per TLS handshake by the SNI host name, with a default for
/// clients that send none. Replacing one takes effect at the next handshake; open connections keep theirs.
public final class LiveCertificates: Sendable {
    /// A chain and its key, proven to work together.
    public struct Identity: Sendable {
        public var chain: [NIOSSLCertificate]
        public var key: NIOSSLPrivateKey
        /// SHA-256 (hex) of the leaf, for logs and metrics.
        public var sha256: String
    }

    private let identities = Mutex<[String: Identity]>([:])
    /// Old connection addresses still answered with the certificate that covered them after an address change.
    private let overlaps = Mutex<[String: Identity]>([:])
    private static let defaultHost = ""
    private let onHandshake: @Sendable (Identity) -> Void

    /// - Parameter onHandshake: called for every handshake with the identity served (metrics).
    public init(onHandshake: @escaping @Sendable (Identity) -> Void = { _ in }) {
        self.onHandshake = onHandshake
    }

    /// Builds an identity from PEM/DER and proves the key belongs to the chain by building a TLS context, off the
    /// event loop since loading keys can block.
    public static func prove(leafDER: [UInt8], chainPEM: String, keyPEM: String) async throws -> Identity {
        try await Task.detached {
            let leaf = try NIOSSLCertificate(bytes: leafDER, format: .der)
            let chain = chainPEM.isEmpty ? [] : try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8))
            let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: ([leaf] + chain).map { .certificate($0) }, privateKey: .privateKey(key))
            _ = try NIOSSLContext(configuration: configuration)
            let sha256 = SHA256.hash(data: leafDER).hexEncoded
            return Identity(chain: [leaf] + chain, key: key, sha256: sha256)
        }.value
    }

    /// Serves `identity` from the next handshake on, for `hostName` or (nil) as the default.
    public func install(_ identity: Identity, for hostName: String?) {
        identities.withLock { $0[hostName?.lowercased() ?? Self.defaultHost] = identity }
    }

    /// The identity for a handshake: the host's own, else an old address's during an address change, else the default.
    public func identity(for serverName: String?) -> Identity? {
        let name = serverName?.lowercased()
        if let name, let own = identities.withLock({ $0[name] }) { return own }
        if let name, let old = overlaps.withLock({ $0[name] }) { return old }
        return identities.withLock { $0[Self.defaultHost] }
    }

    func overlap(for name: String) -> Identity? { overlaps.withLock { $0[name] } }

    /// Replaces every old-address identity at once (names lowercased).
    func replaceOverlap(_ identities: [String: Identity]) { overlaps.withLock { $0 = identities } }

    /// The NIOSSL per-handshake callback.
    public var callback: NIOSSLContextCallback {
        { [self] values, promise in
            guard let identity = identity(for: values.serverHostname) else {
                promise.succeed(.noChanges)
                return
            }
            onHandshake(identity)
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = identity.chain.map { .certificate($0) }
            override.privateKey = .privateKey(identity.key)
            promise.succeed(override)
        }
    }
}
