import Foundation
import RolloverPKI
import RolloverStore
import X509

/// The CSR workflow that replaces the vendor's batch file: the key is made and kept inside the store, the request
/// goes to the CA, and the signed certificate comes back through `CertificateImport`, which finds the key.
public struct SigningRequestService: Sendable {
    let context: ServiceContext

    public init(_ context: ServiceContext) { self.context = context }

    public func create(subject: SigningRequestSubject, addresses: [ConnectionAddress], keyType: KeyType, now: Date) async throws -> StoredSigningRequest {
        let key = try keyType.generate()
        let request = try SigningRequestBuilder.make(subject: subject, addresses: addresses, privateKey: key)
        let keyID = try await KeyRepository(context).save(key, purpose: "signing-request")
        var stored = StoredSigningRequest(
            privateKeyID: keyID, subject: try subject.distinguishedName.description, addresses: addresses.map(\.description),
            pem: try request.serializeAsPEM().pemString, createdAt: now)
        stored.id = try await context.store.insertSigningRequest(stored, actor: context.actor)
        return stored
    }

    public func list() async throws -> [StoredSigningRequest] { try await context.store.signingRequests() }

    public func find(id: Int64) async throws -> StoredSigningRequest {
        guard let request = try await list().first(where: { $0.id == id }) else {
            throw StoreError(.notFound, "no signing request \(id): `rollover csr list` shows them")
        }
        return request
    }

    public func delete(id: Int64) async throws { try await context.store.deleteSigningRequest(id: id, actor: context.actor) }
}
