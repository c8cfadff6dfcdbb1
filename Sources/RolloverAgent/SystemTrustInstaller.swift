import Foundation
import RolloverCore

/// `--install-system-trust` on Linux: places each anchor in `/usr/local/share/ca-certificates/` as
/// `rollover-<fingerprint>.crt` and runs `update-ca-certificates`; removes the files it placed when the anchor
/// leaves the trust store. It touches only files named `rollover-*.crt`, so what others placed stays, and places
/// only what `policy` admits; every placement, removal and refusal is said through `log`.
public struct SystemTrustInstaller: Sendable {
    public var folder: String
    public var updateCommand: [String]
    public var policy: SystemTrustPolicy
    public var log: @Sendable (String) -> Void

    public init(folder: String = "/usr/local/share/ca-certificates", updateCommand: [String] = ["update-ca-certificates"],
                policy: SystemTrustPolicy = SystemTrustPolicy(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.folder = folder
        self.updateCommand = updateCommand
        self.policy = policy
        self.log = log
    }

    static func fileName(_ fingerprint: String) -> String { "rollover-\(fingerprint.prefix(16)).crt" }

    /// Makes the folder hold exactly these anchors among its `rollover-*` files; runs the update command on a change.
    public func synchronize(anchors: [TrustItem]) throws {
        let admitted = anchors.filter { anchor in
            guard let refusal = policy.refusal(for: anchor) else { return true }
            log("system trust: not placing \(anchor.fingerprint.prefix(16)): \(refusal)")
            return false
        }
        let wanted = Dictionary(admitted.map { (Self.fileName($0.fingerprint), $0.pem) }, uniquingKeysWith: { first, _ in first })
        let present = Set(((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix("rollover-") && $0.hasSuffix(".crt") })
        var changed = false
        for (name, pem) in wanted where !present.contains(name) {
            let file = (folder as NSString).appendingPathComponent(name)
            do {
                try AtomicFile.write(Array(pem.utf8), to: file, mode: 0o644)
            } catch let error as FileWriteError {
                throw AgentError("cannot place \(file) in the system trust: \(error.description)")
            }
            log("system trust: placed \(file)")
            changed = true
        }
        for name in present where wanted[name] == nil {
            try FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
            log("system trust: removed \((folder as NSString).appendingPathComponent(name))")
            changed = true
        }
        guard changed, let executable = updateCommand.first else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? Array(updateCommand.dropFirst()) : updateCommand
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw AgentError("\(updateCommand.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
    }
}
