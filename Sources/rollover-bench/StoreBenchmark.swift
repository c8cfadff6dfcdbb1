import ArgumentParser
import Foundation
import RolloverCore
import RolloverStore

/// Fills a SQLite store with devices and one rollover's deliveries, then times what "View Details" and the sync
/// endpoint do: counts by state, a filtered page of 100, and recording a batch of sync results.
struct StoreBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store", abstract: "Time the store at a million devices.")

    @Option(help: "How many devices to enroll.") var devices = 1_000_000
    @Option(help: "Sync results per recorded batch.") var batch = 10_000
    @Option(help: "Repetitions of each read measurement.") var repetitions = 200
    @Option(help: "Write the results as JSON to this file too.") var json: String?

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rollover-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("bench.sqlite").path)
        try await store.migrate()

        let fill = ContinuousClock().now
        var ids: [Int64] = []
        for start in stride(from: 0, to: devices, by: batch) {
            let chunk = (start..<min(devices, start + batch)).map { index in
                NewDevice(name: "device-\(index)", platform: DevicePlatform.allCases[index % 5],
                          tokenSHA256: String(format: "%064x", index), enrolledAt: Date())
            }
            ids += try await store.insertDevices(chunk, deliveryState: .pending, actor: .system)
        }
        let certificate = try await store.insertCertificate(
            StoredCertificate(sha256: "bench", der: [0x30, 0x00], chainPEM: "", subject: "CN=bench", notBefore: Date(),
                              notAfter: Date().addingTimeInterval(86_400), state: .staged, source: .imported, privateKeyID: nil),
            actor: .system)
        let rollover = try await store.insertRollover(certificateID: certificate, preset: "distribute-first", at: Date(), actor: .system)

        // A fleet mid-rollover: 60% installed, 30% delivered, 2% failed, the rest not seen yet.
        var syncTimes: [Duration] = []
        for start in stride(from: 0, to: ids.count * 92 / 100, by: batch) {
            let reports = ids[start..<min(ids.count * 92 / 100, start + batch)].map { id in
                let share = Int(id % 92)
                let state: DeliveryState = share < 60 ? .installed : share < 90 ? .delivered : .failed
                return SyncReport(deviceID: id, seenAt: Date(), agentVersion: "1.0", deliveries: [
                    .init(rolloverID: rollover, state: state, reason: state == .failed ? "certificate store is locked" : nil),
                ])
            }
            let started = ContinuousClock().now
            try await store.recordSyncs(reports)
            syncTimes.append(ContinuousClock().now - started)
        }
        let fillTime = ContinuousClock().now - fill

        let counts = try await measure(repetitions) { _ = try await store.deliveryCounts(rolloverID: rollover) }
        var generator = SystemRandomNumberGenerator()
        let page = try await measure(repetitions) {
            let after = ids[Int.random(in: 0..<ids.count, using: &generator)]
            _ = try await store.deliveryPage(rolloverID: rollover, state: .failed, afterDeviceID: after, limit: 100)
        }
        let unfiltered = try await measure(repetitions) {
            _ = try await store.deliveryPage(rolloverID: rollover, state: nil, afterDeviceID: ids[ids.count / 2], limit: 100)
        }
        let result = BenchmarkResult(
            devices: devices, fillSeconds: fillTime.seconds, countsByState: counts, failedPageOf100: page, pageOf100: unfiltered,
            record10000Syncs: Timing(syncTimes), databaseMegabytes: Self.megabytes(folder))
        result.printTable()
        if let json { try result.write(to: json) }
    }

    private func measure(_ times: Int, _ body: () async throws -> Void) async throws -> Timing {
        var samples: [Duration] = []
        for _ in 0..<times {
            let started = ContinuousClock().now
            try await body()
            samples.append(ContinuousClock().now - started)
        }
        return Timing(samples)
    }

    private static func megabytes(_ folder: URL) -> Double {
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: [.fileSizeKey])) ?? []
        let bytes = files.compactMap { try? $0.resourceValues(forKeys: [.fileSizeKey]).fileSize }.reduce(0, +)
        return Double(bytes) / 1_048_576
    }
}

/// Median and 99th percentile of a measurement, in milliseconds.
struct Timing: Encodable {
    var medianMilliseconds: Double
    var p99Milliseconds: Double
    var samples: Int

    init(_ durations: [Duration]) {
        let sorted = durations.map(\.seconds).sorted()
        samples = sorted.count
        medianMilliseconds = (sorted.isEmpty ? 0 : sorted[sorted.count / 2]) * 1000
        p99Milliseconds = (sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]) * 1000
    }
}

struct BenchmarkResult: Encodable {
    var devices: Int
    var fillSeconds: Double
    var countsByState: Timing
    var failedPageOf100: Timing
    var pageOf100: Timing
    var record10000Syncs: Timing
    var databaseMegabytes: Double

    func printTable() {
        print("store benchmark, SQLite, \(devices) devices, one rollover (\(String(format: "%.0f", databaseMegabytes)) MB, filled in \(String(format: "%.1f", fillSeconds)) s)")
        print("measurement                          median ms      p99 ms   samples")
        for (name, timing) in [("counts by state", countsByState), ("page of 100, filtered (failed)", failedPageOf100),
                               ("page of 100, unfiltered", pageOf100), ("record 10,000 sync results", record10000Syncs)] {
            print(name.padding(toLength: 34, withPad: " ", startingAt: 0)
                  + String(format: "%11.3f %11.3f %9d", timing.medianMilliseconds, timing.p99Milliseconds, timing.samples))
        }
    }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
