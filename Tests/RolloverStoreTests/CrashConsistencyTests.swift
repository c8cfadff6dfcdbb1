import Foundation
import GRDB
import Testing
@testable import RolloverStore

/// A writer killed with SIGKILL in the middle of its writes leaves the SQLite store consistent: every batch is
/// all there or not at all, and the delivery counts match the deliveries.
@Suite("Crash consistency")
struct CrashConsistencyTests {
    static let writer = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug/rollover-bench")

    @Test("a writer killed mid-write leaves whole batches and matching counts", arguments: 0..<4)
    func killedWriterLeavesConsistentStore(round: Int) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.writer.path), "build rollover-bench first")
        let folder = try TemporaryFolder()
        let database = folder.url.appendingPathComponent("crash.sqlite").path
        let process = Process()
        process.executableURL = Self.writer
        process.arguments = ["write-until-killed", "--database", database]
        let output = Pipe()
        process.standardOutput = output
        try process.run()

        // Let it commit a few batches, then kill it at a different moment each round.
        var seen = ""
        let deadline = Date().addingTimeInterval(60)
        while !seen.contains("batch \(3 + round)\n"), Date() < deadline {
            seen += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        }
        try await Task.sleep(for: .milliseconds(3 * round + 1))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let store = try SQLiteStore(path: database)
        try await store.pool.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            let perBatch = try Int.fetchAll(db, sql: """
                SELECT count(*) FROM devices WHERE name LIKE 'batch-%'
                GROUP BY substr(name, 1, instr(substr(name, 7), '-') + 5)
                """)
            #expect(perBatch.allSatisfy { $0 == 100 }, "a batch was written in part: \(perBatch)")
            #expect(perBatch.count >= 3 + round)
            let actual = try Row.fetchAll(db, sql: "SELECT rollover_id, state, count(*) AS n FROM deliveries GROUP BY rollover_id, state")
            for row in actual {
                let counted = try Int.fetchOne(db, sql: "SELECT count FROM delivery_counts WHERE rollover_id = ? AND state = ?",
                                               arguments: [row["rollover_id"] as Int64, row["state"] as Int])
                #expect(counted == row["n"], "counts drifted from the deliveries")
            }
            #expect(try Int.fetchOne(db, sql: "SELECT sum(count) FROM delivery_counts") == (try Int.fetchOne(db, sql: "SELECT count(*) FROM deliveries")))
        }
        try await store.close()
    }
}
