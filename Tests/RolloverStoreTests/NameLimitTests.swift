import Foundation
import RolloverCore
import Testing
@testable import RolloverStore

// Nested in the serialized conformance suite: the PostgreSQL tests share one database.
extension StoreConformanceTests {
    /// Token, enrollment secret and device names are bounded in UTF-8 bytes, not characters, by the store itself, so
    /// every way in (API, console, enrollment, CLI) gets the same 400 `name-too-long`.
    @Suite("Name limits")
    struct NameLimits {
        /// 40 characters, 160 bytes: within any bound counted in characters, over the one in bytes.
        let wide = String(repeating: "🔑", count: 40)
        let exact = String(repeating: "é", count: 64)   // 128 bytes

        @Test("a name is 1 to 128 UTF-8 bytes, whatever its length in characters")
        func boundIsInBytes() throws {
            try NameLimit.check(exact)
            let tooLong = #expect(throws: StoreError.self) { try NameLimit.check(exact + "a") }
            #expect(tooLong?.specificCode == "name-too-long")
            #expect(tooLong?.code == .invalid)
            #expect((#expect(throws: StoreError.self) { try NameLimit.check(wide) })?.specificCode == "name-too-long")
            #expect((#expect(throws: StoreError.self) { try NameLimit.check("") })?.specificCode == "name-empty")
        }

        @Test("names over 128 bytes are refused for tokens, secrets and devices, and nothing is written", arguments: StoreKind.allCases)
        func storesRefuseWideNames(kind: StoreKind) async throws {
            let folder = try TemporaryFolder()
            guard let store = try await kind.open(in: folder.url) else { return }
            let token = await #expect(throws: StoreError.self) {
                _ = try await store.insertAdminToken(name: wide, tokenSHA256: String(repeating: "a", count: 64), actor: .system)
            }
            #expect(token?.specificCode == "name-too-long")
            let secret = await #expect(throws: StoreError.self) {
                _ = try await store.insertEnrollmentSecret(name: wide, secretSHA256: String(repeating: "b", count: 64), expiresAt: nil, actor: .system)
            }
            #expect(secret?.specificCode == "name-too-long")
            let fine = NewDevice(name: "fine", platform: .linux, tokenSHA256: String(repeating: "c", count: 64), enrolledAt: Date())
            let wideDevice = NewDevice(name: wide, platform: .linux, tokenSHA256: String(repeating: "d", count: 64), enrolledAt: Date())
            let device = await #expect(throws: StoreError.self) {
                _ = try await store.insertDevices([fine, wideDevice], deliveryState: .pending, actor: .system)
            }
            #expect(device?.specificCode == "name-too-long")
            #expect(try await store.adminTokens().isEmpty)
            #expect(try await store.enrollmentSecrets().isEmpty)
            #expect(try await store.device(tokenSHA256: String(repeating: "c", count: 64)) == nil, "no device of the refused batch was kept")
            #expect(try await store.auditLog(limit: 10).isEmpty)

            _ = try await store.insertAdminToken(name: exact, tokenSHA256: String(repeating: "e", count: 64), actor: .system)
            #expect(try await store.adminTokens().map(\.name) == [exact], "128 bytes are within the bound")
            try await store.close()
        }
    }
}
