import Foundation
import RolloverTestSupport
import Testing

/// `rollover serve` and real `rollover agent` processes: enrollment, trust material reaching devices, failed
/// installs and retries, and an agent that refuses a server it does not trust.
@Suite("Devices end to end", .serialized)
struct DeviceEndToEndTests {
    struct Lab {
        let folder: ScratchFolder
        let server: ServerProcess
        /// The enrollment file as `enroll-secrets create --output` wrote it; each device enrolls from its own copy
        /// (`enrollmentFile(for:)`), as it would in the field, since the agent removes the secret from the file it used.
        let enrollmentFile: String

        /// The CA file the admin CLI trusts: the server's own CA, plus any root a test adds before switching to a
        /// certificate from another CA (as an administrator would).
        var clientCAFile: String { folder.path("clients-ca.pem") }
        var remote: [String] { ["--server", server.url, "--cacert", clientCAFile, "--token-file", server.data + "/admin-token"] }

        init(syncPeriod: Int = 1) throws {
            folder = try ScratchFolder()
            server = try ServerProcess(folder: folder)
            enrollmentFile = folder.path("enroll.json")
            try FileManager.default.copyItem(atPath: server.caFile, toPath: folder.path("clients-ca.pem"))
            let remote = ["--server", server.url, "--cacert", server.caFile, "--token-file", server.data + "/admin-token"]
            let created = try RolloverCLI.run(["enroll-secrets", "create", "--name", "lab", "--expires", "1d", "--output", enrollmentFile] + remote)
            guard created.status == 0 else { throw ServerProcess.ServerFailure(message: created.output + created.errors) }
            _ = try RolloverCLI.run(["settings", "sync-period-seconds", "\(syncPeriod)"] + remote)
        }

        func admin(_ arguments: [String]) throws -> RolloverCLI.Outcome { try RolloverCLI.run(arguments + remote) }

        func json(_ arguments: [String]) throws -> Any {
            let outcome = try admin(arguments + ["--json"])
            guard outcome.status == 0, let value = try? JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) else {
                throw ServerProcess.ServerFailure(message: "rollover \(arguments.joined(separator: " ")) exited \(outcome.status): \(outcome.output)\(outcome.errors)")
            }
            return value
        }

        /// A self-signed CA certificate made with openssl, as an administrator would bring one.
        func makeRoot(_ name: String) throws -> String {
            try OpenSSL.run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", folder.path("\(name).key"),
                             "-out", folder.path("\(name).pem"), "-subj", "/CN=\(name)", "-days", "30",
                             "-addext", "basicConstraints=critical,CA:true"])
            return folder.path("\(name).pem")
        }

        /// Long-running `rollover agent` processes that enroll with the lab's secret; the caller terminates them.
        /// A copy of the enrollment file for one device.
        func enrollmentFile(for device: String) throws -> String {
            let copy = folder.path("enroll-\(device).json")
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: enrollmentFile, toPath: copy)
            return copy
        }

        func startAgents(_ names: [String]) throws -> [Process] {
            try names.map { name in
                let process = Process()
                process.executableURL = RolloverCLI.binary
                process.arguments = ["agent", "--server", server.url, "--state", folder.path(name), "--name", name, "--enroll-secret-file", try enrollmentFile(for: name)]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                return process
            }
        }

        func agent(_ state: String, _ extra: [String] = []) throws -> RolloverCLI.Outcome {
            try RolloverCLI.run(["agent", "--server", server.url, "--state", folder.path(state), "--name", state, "--once"] + extra)
        }

        /// Delivery counts of one rollover, by state name.
        func counts(_ rollover: Int) throws -> [String: Int] {
            let rollovers = try json(["rollout", "list"]) as? [[String: Any]] ?? []
            return rollovers.first { $0["id"] as? Int == rollover }?["deliveries"] as? [String: Int] ?? [:]
        }
    }

    @Test("two agents enroll and sync; a root added to the trust material is installed by both at their next sync and the server shows both deliveries installed")
    func twoAgentsInstallANewRoot() throws {
        guard OpenSSL.isAvailable else { return }
        let lab = try Lab()
        defer { lab.server.stop() }
        // Two long-running agents, syncing on the server's one-second period.
        let agents = try lab.startAgents(["device-a", "device-b"])
        defer { for agent in agents where agent.isRunning { agent.terminate(); agent.waitUntilExit() } }
        #expect(try wait { ((try lab.json(["devices"]) as? [String: Any])?["devices"] as? [Any])?.count == 2 })

        let added = try lab.admin(["trust", "add", try lab.makeRoot("New Root"), "--json"])
        #expect(added.status == 0, "\(added.errors)")
        let rollover = try #require((try JSONSerialization.jsonObject(with: Data(added.output.utf8)) as? [String: Any])?["rolloverID"] as? Int)
        let installed = try wait { try lab.counts(rollover)["installed"] == 2 }
        let counts = try lab.counts(rollover)
        #expect(installed, "\(counts)")
        let devices = (try lab.json(["devices", "--rollover", "\(rollover)", "--state", "installed"]) as? [String: Any])?["devices"] as? [[String: Any]]
        #expect(Set(devices?.compactMap { $0["name"] as? String } ?? []) == ["device-a", "device-b"])
        for agent in agents { #expect(agent.isRunning, "an agent stopped") }
    }

    @Test("an agent refuses a server that does not chain to its anchors and says so; curl trusts the exported PEM and refuses a foreign root")
    func foreignServerIsRefused() throws {
        guard OpenSSL.isAvailable else { return }
        let lab = try Lab()
        defer { lab.server.stop() }
        let enrollment = try lab.enrollmentFile(for: "device-a")
        let enrolled = try lab.agent("device-a", ["--enroll-secret-file", enrollment])
        #expect(enrolled.status == 0, "\(enrolled.output)\(enrolled.errors)")
        let used = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: enrollment))) as? [String: Any]
        #expect(used?["secret"] as? String == "" && (used?["anchors"] as? [Any])?.isEmpty == false,
                "the secret stays in the enrollment file after enrolling: \(String(describing: used))")

        // Another Rollover server with its own CA: same host name, foreign certificate.
        let foreignFolder = try ScratchFolder()
        let foreign = try ServerProcess(folder: foreignFolder)
        defer { foreign.stop() }
        let refused = try RolloverCLI.run(["agent", "--server", foreign.url, "--state", lab.folder.path("device-a"), "--once"])
        #expect(refused.status == 3 && refused.errors.contains("refused the server") && refused.errors.contains("does not validate"),
                "\(refused.output)\(refused.errors)")
        let freshRefused = try RolloverCLI.run(["agent", "--server", foreign.url, "--state", lab.folder.path("device-b"), "--once",
                                                "--enroll-secret-file", try lab.enrollmentFile(for: "device-b")])
        #expect(freshRefused.status == 3, "enrollment must not reach a foreign server: \(freshRefused.errors)")

        let exported = try lab.admin(["export-trust", "--format", "pem", "--output", lab.folder.path("export")])
        #expect(exported.status == 0, "\(exported.errors)")
        let pem = lab.folder.path("export/rollover-trust.pem")
        let trusted = try Client.run(["curl", "-sS", "--cacert", pem, "\(lab.server.url)/api/v1/health"])
        #expect(trusted.status == 0 && trusted.output.contains("ok"), "\(trusted.output)")
        let foreignRoot = try Client.run(["curl", "-sS", "--cacert", foreign.caFile, "\(lab.server.url)/api/v1/health"])
        #expect(foreignRoot.status != 0, "\(foreignRoot.output)")
    }

    @Test("a failing install (read-only state folder) reaches the server as failed with the reason, and a retry delivers it again once the folder is writable")
    func failedInstallAndRetry() throws {
        guard OpenSSL.isAvailable else { return }
        let lab = try Lab()
        defer { lab.server.stop() }
        #expect(try lab.agent("device-a", ["--enroll-secret-file", try lab.enrollmentFile(for: "device-a")]).status == 0)
        let state = lab.folder.path("device-a")
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: state)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: state) }

        let added = try lab.admin(["trust", "add", try lab.makeRoot("Root Two"), "--json"])
        let rollover = try #require((try JSONSerialization.jsonObject(with: Data(added.output.utf8)) as? [String: Any])?["rolloverID"] as? Int)
        let failing = try lab.agent("device-a")
        #expect(failing.output.contains("1 failed") && failing.output.contains("read-only"), "\(failing.output)\(failing.errors)")
        #expect(try lab.counts(rollover)["failed"] == 1)
        let detail = try lab.json(["devices", "show", "1"]) as? [String: Any]
        let delivery = (detail?["deliveries"] as? [[String: Any]])?.first { $0["rolloverID"] as? Int == rollover }
        #expect(delivery?["state"] as? String == "failed" && (delivery?["reason"] as? String ?? "").contains("read-only"), "\(String(describing: delivery))")

        // Writable again, but a failed delivery rests until it is retried: the next sync does not resend it.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: state)
        _ = try lab.agent("device-a")
        #expect(try lab.counts(rollover)["failed"] == 1)
        let retried = try lab.admin(["devices", "retry", "--device", "1", "--json"])
        #expect(retried.output.contains(#""retried" : 1"#), "\(retried.output)\(retried.errors)")
        #expect(try lab.counts(rollover)["retrying"] == 1)
        let installing = try lab.agent("device-a")
        #expect(installing.output.contains("1 installed"), "\(installing.output)\(installing.errors)")
        #expect(try lab.counts(rollover) == ["pending": 0, "delivered": 0, "installed": 1, "failed": 0, "retrying": 0])
        let attempts = ((try lab.json(["devices", "show", "1"]) as? [String: Any])?["deliveries"] as? [[String: Any]])?
            .first { $0["rolloverID"] as? Int == rollover }?["attempts"] as? Int
        #expect(attempts == 2)
    }

    func wait(_ condition: () throws -> Bool) throws -> Bool { try Lab.wait(seconds: 30, condition) }
}

extension DeviceEndToEndTests.Lab {
    func wait(seconds: Double = 30, _ condition: () throws -> Bool) throws -> Bool { try Self.wait(seconds: seconds, condition) }

    /// Polls until `condition` holds or `seconds` pass.
    static func wait(seconds: Double, _ condition: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(200_000)
        }
        return try condition()
    }
}
