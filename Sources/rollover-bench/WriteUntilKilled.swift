import ArgumentParser
import Foundation
import RolloverCore
import RolloverStore

/// The writer of the crash test: commits batches (a hundred devices enrolled, then their syncs) forever and says
/// after each commit which batch it was, until the test kills it with SIGKILL mid-write.
struct WriteUntilKilled: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write-until-killed", abstract: "Write batches to a SQLite store until killed (crash test).")

    @Option(help: "The SQLite file.") var database: String

    static let batchSize = 100

    func run() async throws {
        let store = try SQLiteStore(path: database)
        try await store.migrate()
        let certificate = try await store.insertCertificate(
            StoredCertificate(sha256: "crash", der: [0x30, 0x00], chainPEM: "", subject: "CN=crash", notBefore: Date(),
                              notAfter: Date().addingTimeInterval(86_400), state: .staged, source: .imported, privateKeyID: nil),
            actor: .system)
        let fleet = try await store.insertDevices((0..<Self.batchSize).map { index in
            NewDevice(name: "fleet-\(index)", platform: .linux, tokenSHA256: "fleet-\(index)", enrolledAt: Date())
        }, deliveryState: .pending, actor: .system)
        let rollover = try await store.insertRollover(certificateID: certificate, preset: "crash", at: Date(), actor: .system)
        var seed: Int64 = 1
        for batch in 0... {
            let ids = try await store.insertDevices((0..<Self.batchSize).map { index in
                NewDevice(name: "batch-\(batch)-\(index)", platform: .linux, tokenSHA256: "\(batch)-\(index)", enrolledAt: Date())
            }, deliveryState: .pending, actor: .system)
            // Syncs move the fleet's deliveries between states, so deliveries and their counts are always being written.
            let reports = fleet.map { id -> SyncReport in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                let state = DeliveryState.allCases[Int(UInt64(bitPattern: seed) >> 33) % 5]
                return SyncReport(deviceID: id, seenAt: Date(), agentVersion: "crash", deliveries: [.init(rolloverID: rollover, state: state)])
            } + [SyncReport(deviceID: ids[0], seenAt: Date(), agentVersion: "crash", deliveries: [])]
            try await store.recordSyncs(reports)
            print("batch \(batch)")
            fflush(nil)
        }
    }
}
