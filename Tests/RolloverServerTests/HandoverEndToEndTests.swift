import Foundation
import RolloverTestSupport
import Testing

/// The product's promise with real processes: a device that was away through two switches to new enterprise roots
/// comes back through the signed handover records, with its id and token, and a device enrolls from an enrollment
/// file made before both.
@Suite("Handover end to end", .serialized)
struct HandoverEndToEndTests {
    /// A root made with the openssl CLI and a PKCS#12 of a server certificate it signs for localhost and 127.0.0.1.
    func enterpriseIdentity(_ lab: DeviceEndToEndTests.Lab, _ name: String) throws -> String {
        let root = try lab.makeRoot(name)
        let folder = lab.folder
        try folder.write("\(name).cnf", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        try OpenSSL.run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", folder.path("\(name)-leaf.key"),
                         "-out", folder.path("\(name)-leaf.csr"), "-subj", "/CN=\(name) server"])
        try OpenSSL.run(["x509", "-req", "-in", folder.path("\(name)-leaf.csr"), "-CA", root, "-CAkey", folder.path("\(name).key"), "-CAcreateserial",
                         "-days", "20", "-extfile", folder.path("\(name).cnf"), "-out", folder.path("\(name)-leaf.pem")])
        try OpenSSL.run(["pkcs12", "-export", "-inkey", folder.path("\(name)-leaf.key"), "-in", folder.path("\(name)-leaf.pem"), "-certfile", root,
                         "-out", folder.path("\(name).pfx"), "-passout", "pass:handover-pass"])
        // The admin CLI follows the server to its new certificate as an administrator would: by trusting the new root.
        let bundle = try String(contentsOfFile: lab.clientCAFile, encoding: .utf8) + "\n" + String(contentsOfFile: root, encoding: .utf8)
        try bundle.write(toFile: lab.clientCAFile, atomically: true, encoding: .utf8)
        return folder.path("\(name).pfx")
    }

    /// Imports, rolls out distribute-first, lets the running devices install, then proceeds now (confirmed, since the
    /// away device has not confirmed). Returns the rollover's id.
    func switchTo(_ pfx: String, _ lab: DeviceEndToEndTests.Lab, syncing devices: [String]) throws -> Int {
        let imported = try RolloverCLI.run(["import", pfx, "--password-env", "PFX_PASSWORD", "--address", "localhost", "--json"] + lab.remote,
                                           environment: ["PFX_PASSWORD": "handover-pass"])
        let certificate = try #require((try JSONSerialization.jsonObject(with: Data(imported.output.utf8)) as? [String: Any])
            .flatMap { $0["certificate"] as? [String: Any] }?["id"] as? Int, "\(imported.output)\(imported.errors)")
        let started = try lab.json(["rollout", "start", "\(certificate)"]) as? [String: Any]
        let rollover = try #require((started?["rollover"] as? [String: Any])?["id"] as? Int, "\(String(describing: started))")
        for device in devices {
            let synced = try lab.agent(device)
            #expect(synced.status == 0, "\(device): \(synced.output)\(synced.errors)")
        }
        let proceeded = try lab.admin(["rollout", "proceed", "\(rollover)", "--confirm"])
        #expect(proceeded.status == 0, "\(proceeded.output)\(proceeded.errors)")
        for device in devices {
            let synced = try lab.agent(device)
            #expect(synced.status == 0, "\(device) after the switch: \(synced.output)\(synced.errors)")
        }
        return rollover
    }

    @Test("an agent away through two switches to new enterprise roots catches up through records 1...2 with its id and token; a device enrolls from a file made before both")
    func awayDeviceCatchesUp() throws {
        guard OpenSSL.isAvailable else { return }
        let lab = try DeviceEndToEndTests.Lab()
        defer { lab.server.stop() }
        for device in ["device-a", "device-b", "device-c"] {
            let enrolled = try lab.agent(device, ["--enroll-secret-file", try lab.enrollmentFile(for: device)])
            #expect(enrolled.status == 0, "\(device): \(enrolled.output)\(enrolled.errors)")
        }
        let staleEnrollment = try lab.enrollmentFile(for: "device-d")
        let credentials = try String(contentsOfFile: lab.folder.path("device-c/device.json"), encoding: .utf8)

        // device-c is away (its agent does not run) through both switches.
        _ = try switchTo(try enterpriseIdentity(lab, "Handover Root One"), lab, syncing: ["device-a", "device-b"])
        _ = try switchTo(try enterpriseIdentity(lab, "Handover Root Two"), lab, syncing: ["device-a", "device-b"])
        let served = try Client.run(["openssl", "s_client", "-connect", "127.0.0.1:\(lab.server.port)", "-servername", "localhost"], input: "")
        #expect(served.output.contains("Handover Root Two server"), "the second enterprise certificate is served")

        let back = try lab.agent("device-c")
        #expect(back.status == 0 && back.output.contains("caught up through handover records 1...2"), "\(back.output)\(back.errors)")
        #expect(try String(contentsOfFile: lab.folder.path("device-c/device.json"), encoding: .utf8) == credentials,
                "the device keeps its id and token: no re-enrollment")
        let trust = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: lab.folder.path("device-c/trust.json")))) as? [String: Any]
        #expect(trust?["handoverSequence"] as? Int == 2, "\(String(describing: trust))")
        let again = try lab.agent("device-c")
        #expect(again.status == 0 && !again.output.contains("caught up"), "the next sync is an ordinary one: \(again.output)\(again.errors)")

        let audit = try lab.admin(["audit", "--json"]).output
        #expect(audit.contains("device.recover") && audit.contains("handover records 1...2"), "the walk is audited")
        #expect(audit.contains("handover.record"), "each record's writing is audited")

        let late = try lab.agent("device-d", ["--enroll-secret-file", staleEnrollment])
        #expect(late.status == 0 && late.output.contains("enrolled as device"), "\(late.output)\(late.errors)")
        // A sync reports the state the device held before its answer; one more makes every report current.
        for device in ["device-a", "device-b", "device-c", "device-d"] { _ = try lab.agent(device) }
        let devices = (try lab.json(["devices"]) as? [String: Any])?["devices"] as? [[String: Any]] ?? []
        #expect(devices.count == 4)
        #expect(devices.allSatisfy { $0["handoverSequence"] as? Int == 2 }, "every device reports the newest state: \(devices)")
    }

    @Test("a man in the middle on loopback, another server with a certificate of its own and handover records signed by its own keys, is refused with the reason and changes nothing on the device")
    func manInTheMiddleIsRefused() throws {
        guard OpenSSL.isAvailable else { return }
        let lab = try DeviceEndToEndTests.Lab()
        defer { lab.server.stop() }
        let enrolled = try lab.agent("device-a", ["--enroll-secret-file", try lab.enrollmentFile(for: "device-a")])
        #expect(enrolled.status == 0, "\(enrolled.output)\(enrolled.errors)")
        // The impostor is a real server of its own (its own CA) that switched to an enterprise root: its handover
        // record is well formed and signed, but by keys the device never trusted.
        let impostor = try DeviceEndToEndTests.Lab()
        defer { impostor.server.stop() }
        _ = try switchTo(try enterpriseIdentity(impostor, "Impostor Root"), impostor, syncing: [])
        let trustBefore = try String(contentsOfFile: lab.folder.path("device-a/trust.json"), encoding: .utf8)
        let credentials = try String(contentsOfFile: lab.folder.path("device-a/device.json"), encoding: .utf8)

        // The device reaches the impostor where it expects its server (its port, every address the store knows).
        let diverted = try RolloverCLI.run(["agent", "--server", impostor.server.url, "--state", lab.folder.path("device-a"), "--name", "device-a", "--once"])
        let said = diverted.output + diverted.errors
        #expect(diverted.status != 0, "\(said)")
        #expect(said.contains("refused the handover records") && said.contains("catching up through the handover records failed"), "\(said)")
        #expect(try String(contentsOfFile: lab.folder.path("device-a/trust.json"), encoding: .utf8) == trustBefore, "nothing installed")
        #expect(try String(contentsOfFile: lab.folder.path("device-a/device.json"), encoding: .utf8) == credentials)
        let impostorAudit = try impostor.admin(["audit", "--json"]).output
        #expect(!impostorAudit.contains("device.recover"), "the impostor learned of no walk")

        // Back on its own server the device carries on as before.
        let home = try lab.agent("device-a")
        #expect(home.status == 0 && !home.output.contains("caught up"), "\(home.output)\(home.errors)")
    }
}
