import ArgumentParser
import Foundation
import RolloverCore
import RolloverPKI
import RolloverStore

/// Fills a data folder's SQLite store (`DIR/rollover.sqlite`) with a fleet in the middle of a rollover, for
/// `scripts/bench` to start `rollover serve` on: a root added to the trust material as `rollover trust add` does
/// (a `trust` rollover, which the lifecycle never activates, so a server started on the file leaves it as it is),
/// then N devices enrolled with a delivery each, of which 60% installed, 30% delivered, 2% failed and 8% never seen.
/// Devices that synced were last seen within the last three days, so they count as active.
struct Populate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "populate", abstract: "Fill DIR/rollover.sqlite with N devices and one rollover's deliveries (for scripts/bench).")

    @Option(help: "The data folder to create the store in (rollover.sqlite must not exist yet).") var data: String
    @Option(help: "How many devices to enroll.") var devices = 1_000_000
    @Option(help: "Devices per transaction.") var batch = 10_000
    @Option(help: "Write what was made (rollover id, device ids, timings) as JSON to this file too.") var json: String?

    /// An ECDSA P-256 root made once with openssl for the benchmark's fleet (valid until 2046); only its bytes matter.
    static let fleetRootPEM = """
        -----BEGIN CERTIFICATE-----
        MIIB5zCCAY2gAwIBAgIUeAilUT17kljoEac5/Ah1Y53Kh5UwCgYIKoZIzj0EAwIw
        QTEiMCAGA1UEAwwZUm9sbG92ZXIgQmVuY2ggRmxlZXQgUm9vdDEbMBkGA1UECgwS
        Um9sbG92ZXIgQmVuY2htYXJrMB4XDTI2MTEyMzAxNTAwMVoXDTQ2MTExODAxNTAw
        MVowQTEiMCAGA1UEAwwZUm9sbG92ZXIgQmVuY2ggRmxlZXQgUm9vdDEbMBkGA1UE
        CgwSUm9sbG92ZXIgQmVuY2htYXJrMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
        XaYk/Sw+h89fssyUmNnzkuI6f7DIelsHIlnHjkjf3EUlRwAMzVSN7HmEnbbzcpqb
        ywD7/4Mdr3G2xL0YvPLNNqNjMGEwHQYDVR0OBBYEFNk8XGPZsfbsZX3wfQnI1KgE
        6HK/MB8GA1UdIwQYMBaAFNk8XGPZsfbsZX3wfQnI1KgE6HK/MA8GA1UdEwEB/wQF
        MAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCIDmQ9YSVVFoO
        kd4yySRSX3TdELYySV5SS3Lm2DFJ07kFAiEAv5+OCPvvJsnQ5T1Lgkciwe0hcX7t
        1Jmm51kyabguQvA=
        -----END CERTIFICATE-----
        """

    struct Made: Encodable {
        var devices: Int
        var rolloverID: Int64
        var firstDeviceID: Int64
        var lastDeviceID: Int64
        var populatedAt: Int64
        var fillSeconds: Double
        var databaseMegabytes: Double
    }

    func run() async throws {
        guard devices > 0, batch > 0 else { throw ValidationError("--devices and --batch must be positive") }
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let path = (data as NSString).appendingPathComponent("rollover.sqlite")
        guard !FileManager.default.fileExists(atPath: path) else { throw ValidationError("\(path) exists already") }
        let store = try SQLiteStore(path: path)
        try await store.migrate()

        let started = ContinuousClock().now
        let now = Date()
        let root = FileReader.read(Array(Self.fleetRootPEM.utf8), name: "fleet-root.pem", password: nil).certificates
        guard let root = root.first else { throw ValidationError("the embedded fleet root does not parse") }
        let artifact = try await store.insertTrustArtifact(
            TrustArtifactRecord(sha256: root.sha256Fingerprint, der: root.der, subject: "\(root.subject)", notAfter: root.notAfter,
                                role: .anchor, addedAt: now.addingTimeInterval(-4 * 86_400)),
            tracked: true, actor: AuditActor("bench"))
        guard let rollover = artifact.rolloverID else { throw ValidationError("the trust rollover was not started") }

        var ids: [Int64] = []
        ids.reserveCapacity(devices)
        let enrolled = now.addingTimeInterval(-30 * 86_400)
        for start in stride(from: 0, to: devices, by: batch) {
            let chunk = (start..<min(devices, start + batch)).map { index in
                NewDevice(name: String(format: "device-%07d", index), platform: DevicePlatform.allCases[index % DevicePlatform.allCases.count],
                          tokenSHA256: String(format: "%064x", index), enrolledAt: enrolled, agentVersion: "1.0.0")
            }
            ids += try await store.insertDevices(chunk, deliveryState: .pending, actor: AuditActor("bench"))
        }

        // A fleet mid-rollover: 60% installed, 30% delivered, 2% failed, the rest (8%) not seen since it began.
        var generator = SplitMix64(seed: 1)
        let seenCount = ids.count * 92 / 100
        for start in stride(from: 0, to: seenCount, by: batch) {
            let reports = ids[start..<min(seenCount, start + batch)].map { id -> SyncReport in
                let share = Int(id % 92)
                let state: DeliveryState = share < 60 ? .installed : share < 90 ? .delivered : .failed
                let seen = now.addingTimeInterval(-Double(generator.next() % (3 * 86_400)))
                return SyncReport(deviceID: id, seenAt: seen, agentVersion: "1.0.0", deliveries: [
                    .init(rolloverID: rollover, state: state, reason: state == .failed ? "certificate store is locked" : nil,
                          attempted: state == .delivered),
                ])
            }
            try await store.recordSyncs(reports)
        }
        try await store.close()
        let made = Made(devices: devices, rolloverID: rollover, firstDeviceID: ids.first ?? 0, lastDeviceID: ids.last ?? 0,
                        populatedAt: Int64(now.timeIntervalSince1970), fillSeconds: (ContinuousClock().now - started).seconds,
                        databaseMegabytes: Self.megabytes(data))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let text = try encoder.encode(made)
        print(String(decoding: text, as: UTF8.self))
        if let json { try text.write(to: URL(fileURLWithPath: json)) }
    }

    private static func megabytes(_ folder: String) -> Double {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let bytes = names.compactMap { name in
            (try? FileManager.default.attributesOfItem(atPath: (folder as NSString).appendingPathComponent(name)))?[.size] as? Int
        }.reduce(0, +)
        return Double(bytes) / 1_048_576
    }
}

/// A small seeded generator, so two fills of the same size are alike.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
