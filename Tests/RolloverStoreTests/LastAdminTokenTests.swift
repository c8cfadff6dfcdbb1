import Foundation
import RolloverCore
import Testing
@testable import RolloverStore

// Nested in the serialized conformance suite: the PostgreSQL tests share one database.
extension StoreConformanceTests {
    /// Revoking the last admin token would lock everyone out for good (a restart makes no new one while the store
    /// holds tokens), so the store refuses it, for the API, the console and the CLI alike.
    @Suite("Last admin token")
    struct LastAdminToken {
        @Test("the last active admin token cannot be revoked: 409 last-admin-token, and nothing changes", arguments: StoreKind.allCases)
        func lastTokenStays(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            _ = try await store.insertAdminToken(name: "initial-admin", tokenSHA256: String(repeating: "a", count: 64), actor: .system)
            let logBefore = try await store.auditLog(limit: 10)

            let refusal = await #expect(throws: StoreError.self) { try await store.revokeAdminToken(name: "initial-admin", actor: .system) }
            #expect(refusal?.code == .conflict)
            #expect(refusal?.specificCode == "last-admin-token")
            #expect(try await store.adminToken(tokenSHA256: String(repeating: "a", count: 64))?.revokedAt == nil, "the refusal revoked nothing")
            #expect(try await store.auditLog(limit: 10) == logBefore, "and audited nothing")
            try await store.close()
        }

        @Test("with a second active token either can be revoked, then the other is the last", arguments: StoreKind.allCases)
        func anotherTokenCanGo(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            _ = try await store.insertAdminToken(name: "initial-admin", tokenSHA256: String(repeating: "a", count: 64), actor: .system)
            _ = try await store.insertAdminToken(name: "ops", tokenSHA256: String(repeating: "b", count: 64), actor: .system)
            try await store.revokeAdminToken(name: "initial-admin", actor: .system)
            let refusal = await #expect(throws: StoreError.self) { try await store.revokeAdminToken(name: "ops", actor: .system) }
            #expect(refusal?.specificCode == "last-admin-token", "a revoked token does not count as one left")
            let unknown = await #expect(throws: StoreError.self) { try await store.revokeAdminToken(name: "nobody", actor: .system) }
            #expect(unknown?.code == .notFound)
            try await store.close()
        }

        @Test("two revocations at once of the last two tokens leave one active", arguments: StoreKind.allCases)
        func concurrentRevocationsLeaveOne(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            _ = try await store.insertAdminToken(name: "one", tokenSHA256: String(repeating: "a", count: 64), actor: .system)
            _ = try await store.insertAdminToken(name: "two", tokenSHA256: String(repeating: "b", count: 64), actor: .system)
            async let first: Bool = (try? await store.revokeAdminToken(name: "one", actor: .system)) != nil
            async let second: Bool = (try? await store.revokeAdminToken(name: "two", actor: .system)) != nil
            let outcomes = await [first, second]
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await store.adminTokens().filter { $0.revokedAt == nil }.count == 1)
            try await store.close()
        }
    }
}
