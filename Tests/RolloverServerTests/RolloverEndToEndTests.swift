import Foundation
import RolloverTestSupport
import Testing

/// `rollover serve` with three real `rollover agent` processes through a distribute-first rollover, its periods
/// shortened to seconds through the settings (the same lifecycle, no code path of its own).
@Suite("Rollovers end to end", .serialized)
struct RolloverEndToEndTests {
    @Test("distribute first with three agents: all three confirm the new root, the live certificate changes on time, and all three keep syncing afterwards")
    func distributeFirstWithThreeAgents() throws {
        guard OpenSSL.isAvailable else { return }
        let lab = try DeviceEndToEndTests.Lab()
        defer { lab.server.stop() }
        for (key, value) in [("distribution-period", "6s"), ("maximum-distribution-period", "60s"), ("readiness-recheck", "2s")] {
            let set = try lab.admin(["settings", key, value])
            #expect(set.status == 0, "\(key): \(set.output)\(set.errors)")
        }
        let agents = try lab.startAgents(["device-a", "device-b", "device-c"])
        defer { for agent in agents where agent.isRunning { agent.terminate(); agent.waitUntilExit() } }
        #expect(try lab.wait { ((try lab.json(["devices"]) as? [String: Any])?["devices"] as? [Any])?.count == 3 })

        // An enterprise certificate the agents do not trust yet, imported and rolled out with the default preset.
        let pfx = try LiveServerTests().makeIdentities(lab.folder, count: 1)[0]
        let bundle = try String(contentsOfFile: lab.clientCAFile, encoding: .utf8) + "\n" + String(contentsOfFile: lab.folder.path("test-ca.pem"), encoding: .utf8)
        try bundle.write(toFile: lab.clientCAFile, atomically: true, encoding: .utf8)
        let imported = try RolloverCLI.run(["import", pfx, "--password-env", "PFX_PASSWORD", "--address", "localhost", "--json"] + lab.remote,
                                           environment: ["PFX_PASSWORD": "swap-pass"])
        let certificate = try #require((try JSONSerialization.jsonObject(with: Data(imported.output.utf8)) as? [String: Any])
            .flatMap { $0["certificate"] as? [String: Any] }?["id"] as? Int, "\(imported.output)\(imported.errors)")
        let refused = try lab.admin(["activate", "\(certificate)"])
        #expect(refused.status != 0 && refused.errors.contains("confirmation-required"), "proceed now is refused while devices lack the root")

        let started = try lab.json(["rollout", "start", "\(certificate)"]) as? [String: Any]
        let rollover = try #require((started?["rollover"] as? [String: Any])?["id"] as? Int, "\(String(describing: started))")
        let startedAt = Date()

        func details() throws -> [String: Any] { try lab.json(["rollout", "show", "\(rollover)"]) as? [String: Any] ?? [:] }
        let completed = try lab.wait(seconds: 45) { (try details()["rollover"] as? [String: Any])?["state"] as? String == "completed" }
        let final = try details()
        #expect(completed, "\(final)")
        let summary = final["rollover"] as? [String: Any] ?? [:]
        #expect((summary["deliveries"] as? [String: Int])?["installed"] == 3, "\(summary)")
        #expect(Date().timeIntervalSince(startedAt) >= 5, "not before the distribution period")

        let served = try Client.run(["openssl", "s_client", "-connect", "127.0.0.1:\(lab.server.port)", "-servername", "localhost",
                                     "-CAfile", lab.folder.path("test-ca.pem")], input: "")
        #expect(served.output.contains("CN = swap-0.example") && served.output.contains("Verify return code: 0 (ok)"), "\(served.output)")

        let audit = try lab.admin(["audit", "--json"]).output
        #expect(audit.contains("rollover.activate") && audit.contains("3 of 3 active device(s) confirmed"), "the activation is audited with its readiness")

        // Every agent syncs again after the switch, through the new certificate, without anyone touching it.
        let completedAt = try #require((summary["completedAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
        let keptSyncing = try lab.wait(seconds: 20) {
            let devices = (try lab.json(["devices"]) as? [String: Any])?["devices"] as? [[String: Any]] ?? []
            return devices.count == 3 && devices.allSatisfy { device in
                ((device["lastSeenAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) } ?? .distantPast) > completedAt.addingTimeInterval(1)
            }
        }
        #expect(keptSyncing)
        for agent in agents { #expect(agent.isRunning, "an agent stopped") }
    }
}
