import ArgumentParser
import Foundation
import RolloverAgent
import RolloverCore

/// `rollover agent`: the device side. Enrolls once, then syncs on the server's period, forever or `--once`.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the device agent: enroll once, then keep the device's trust store in step with the server.")

    @Option(help: "The server's URL, e.g. https://mdm.example.com:8443.") var server: String
    @Option(help: "The folder holding the device's identity and trust store.") var state: String
    @Option(help: "The enrollment file (from `rollover enroll-secrets create --output`) or a file holding only the secret; first run only.")
    var enrollSecretFile: String?
    @Option(help: "Extra anchors (PEM) to verify the server with on the first run, e.g. the server's ca.pem.") var caFile: String?
    @Option(help: "The device's name (the host name by default).") var name = ProcessInfo.processInfo.hostName
    @Option(help: "macos, ios, windows, android or linux.") var platform = DevicePlatform.linux.rawValue
    @Flag(help: "Sync once (enrolling first if needed) and exit.") var once = false
    @Flag(help: "Also place the anchors in the system trust (/usr/local/share/ca-certificates and update-ca-certificates).")
    var installSystemTrust = false
    @Option(help: "With --install-system-trust: a root (SHA-256) allowed into the system trust although it is not name-constrained. Repeatable; the enrollment file's anchors are allowed too.")
    var systemTrustAllow: [String] = []
    @Option(help: .hidden) var systemTrustFolder = "/usr/local/share/ca-certificates"
    @Option(help: .hidden) var systemTrustCommand = "update-ca-certificates"

    func run() async throws {
        guard let url = URL(string: server), url.scheme == "https" else { throw UsageFailure("--server must be an https:// URL") }
        // The name is sent once, at enrollment: held to the server's bound before that.
        if (try? AgentStateFolder(path: state).credentials()) == nil { try NameArgument.check(name, what: "the device's name") }
        guard let devicePlatform = DevicePlatform(rawValue: platform) else {
            throw UsageFailure("--platform is one of \(DevicePlatform.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var options = DeviceAgent.Options(server: url, folder: AgentStateFolder(path: state), name: name, platform: devicePlatform)
        let enrollment = try enrollSecretFile.map(EnrollmentFile.read)
        if installSystemTrust {
            let allowed = Set(systemTrustAllow.map { $0.lowercased() } + (enrollment?.anchors.map(\.fingerprint) ?? []))
            options.systemTrust = SystemTrustInstaller(folder: systemTrustFolder, updateCommand: systemTrustCommand.split(separator: " ").map(String.init),
                                                       policy: SystemTrustPolicy(allowed: allowed), log: { line in print(line); fflush(nil) })
        }
        let agent = DeviceAgent(options: options) { line in print(line); fflush(nil) }
        do {
            let enrolling = try options.folder.credentials() == nil
            try await agent.enrollIfNeeded(with: enrollment, extraAnchors: try extraAnchors())
            if enrolling, let enrollSecretFile, let enrollment { forgetSecret(in: enrollSecretFile, enrollment) }
            if once {
                _ = try await agent.sync()
            } else {
                try await agent.run()
            }
        } catch let error as AgentRefusal {
            FileHandle.standardError.write(Data("rollover agent: \(error)\n".utf8))
            throw ExitCode(3)
        } catch let error as AgentError {
            FileHandle.standardError.write(Data("rollover agent: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Once enrolled, the secret is taken out of the enrollment file (the anchors and server stay), so a copy of the
    /// device's files cannot enroll another device. A file that cannot be rewritten is said, not fatal.
    private func forgetSecret(in path: String, _ enrollment: EnrollmentFile) {
        var used = enrollment
        used.secret = ""
        do {
            try AtomicFile.write(try used.encoded(), to: path, mode: 0o600)
            print("the enrollment secret was removed from \(path)")
        } catch {
            print("warning: could not remove the enrollment secret from \(path): \(error)")
        }
        fflush(nil)
    }

    private func extraAnchors() throws -> [TrustItem] {
        guard let caFile else { return [] }
        guard let data = FileManager.default.contents(atPath: caFile) else { throw UsageFailure("cannot read --ca-file \(caFile)") }
        return try TrustItem.anchors(pem: String(decoding: data, as: UTF8.self))
    }
}
