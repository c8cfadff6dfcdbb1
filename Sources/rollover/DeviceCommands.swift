import ArgumentParser
import Foundation
import RolloverAPIClient
import RolloverCore

/// `rollover enroll-secrets`: the secrets devices enroll with.
struct EnrollSecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll-secrets", abstract: "Create, list and revoke enrollment secrets.",
        subcommands: [List.self, Create.self, Revoke.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let data = try await remote.withClient { try await $0.send(.GET, "/api/v1/admin/enrollment-secrets") }
            if json { return RemoteOutput.json(data) }
            RemoteOutput.table(["NAME", "CREATED", "EXPIRES", "REVOKED"], RemoteOutput.array(data).map {
                ["\($0["name"] ?? "")", "\($0["createdAt"] ?? "")", $0["expiresAt"] as? String ?? "never", $0["revokedAt"] as? String ?? "-"]
            })
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a secret; it is printed once. --output writes the enrollment file `rollover agent` takes.")
        @Option(help: "A name for the secret (e.g. the site or the batch of devices).") var name: String
        @Option(help: "When it stops working: a duration (30d, 12h, 90m) or an ISO 8601 time, at most 10 years ahead. Default: 30 days.") var expires: String?
        @Option(help: "How many devices may enroll with it (default: no limit).") var maxUses: Int?
        @Option(help: "Write the enrollment file (secret, server and anchors; mode 0600) here.") var output: String?
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try NameArgument.check(name, what: "an enrollment secret's name")
            // Refused before the secret exists: a path that cannot take the file changes nothing on the server.
            if let output { try AtomicFile.checkTarget(output) }
            var body: [String: Any] = ["name": name]
            if let expires { body["expiresAt"] = ISO8601DateFormatter().string(from: try Self.expiry(expires)) }
            if let maxUses { body["maxUses"] = maxUses }
            let request = try JSONSerialization.data(withJSONObject: body)
            let data = try await remote.withClient { try await $0.send(.POST, "/api/v1/admin/enrollment-secrets", json: request) }
            if let output {
                var file = RemoteOutput.object(data)
                file["server"] = remote.serverURL
                file.removeValue(forKey: "name")
                file.removeValue(forKey: "expiresAt")
                let contents = try JSONSerialization.data(withJSONObject: file, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                try AtomicFile.write(contents, to: output, mode: 0o600)
            }
            if json { return RemoteOutput.json(data) }
            let answer = RemoteOutput.object(data)
            print(answer["secret"] as? String ?? "")
            if let output { FileHandle.standardError.write(Data("Enrollment file written to \(output).\n".utf8)) }
        }

        /// "30d", "12h", "90m", "45s", or an ISO 8601 time.
        static func expiry(_ text: String) throws -> Date {
            if let date = ISO8601DateFormatter().date(from: text) { return date }
            let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
            guard let unit = text.last.flatMap({ units[$0] }), let amount = Double(text.dropLast()), amount > 0 else {
                throw UsageFailure("--expires \(text) is neither a duration like 30d, 12h, 90m nor an ISO 8601 time")
            }
            return Date().addingTimeInterval(amount * unit)
        }
    }

    struct Revoke: AsyncParsableCommand {
        @Argument var name: String
        @OptionGroup var remote: RemoteOptions
        func run() async throws {
            _ = try await remote.withClient { try await $0.send(.DELETE, "/api/v1/admin/enrollment-secrets/\(name)") }
            print("Enrollment secret \(name) revoked.")
        }
    }
}

/// `rollover devices`: enrolled devices, their trust stores and deliveries.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "List, show, retire devices and retry failed deliveries.",
        subcommands: [List.self, Show.self, Retire.self, Retry.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        @OptionGroup var page: DevicePageOptions
        @Option(help: "Only devices of this rollover (with --state: in that delivery state).") var rollover: Int64?
        @Flag(help: "Include retired devices.") var retired = false
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var query = page.query
            if let rollover { query.append("rollover=\(rollover)") }
            if retired { query.append("retired=true") }
            let data = try await remote.withClient { try await $0.send(.GET, "/api/v1/admin/devices?\(query.joined(separator: "&"))") }
            if json { return RemoteOutput.json(data) }
            let answer = RemoteOutput.object(data)
            RemoteOutput.table(["ID", "NAME", "PLATFORM", "AGENT", "LAST SEEN", "RETIRED"], (answer["devices"] as? [[String: Any]] ?? []).map {
                ["\($0["id"] ?? "")", "\($0["name"] ?? "")", "\($0["platform"] ?? "")", $0["agentVersion"] as? String ?? "-",
                 $0["lastSeenAt"] as? String ?? "never", $0["retiredAt"] as? String ?? "-"]
            })
            if let next = answer["next"] { print("More: --after \(next)") }
        }
    }

    struct Show: AsyncParsableCommand {
        @Argument var id: Int64
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let data = try await remote.withClient { try await $0.send(.GET, "/api/v1/admin/devices/\(id)") }
            if json { return RemoteOutput.json(data) }
            let detail = RemoteOutput.object(data)
            let device = detail["device"] as? [String: Any] ?? [:]
            RemoteOutput.line("Device \(id): \(device["name"] ?? "") (\(device["platform"] ?? "")), agent \(device["agentVersion"] ?? "-"), "
                  + "last seen \(device["lastSeenAt"] as? String ?? "never")\((device["retiredAt"] as? String).map { ", retired \($0)" } ?? "")")
            print("\nTrust store:")
            RemoteOutput.table(["SHA-256", "ROLE", "SUBJECT"], (detail["trustStore"] as? [[String: Any]] ?? []).map {
                ["\($0["sha256"] ?? "")", $0["role"] as? String ?? "unknown", $0["subject"] as? String ?? ""]
            })
            print("\nDeliveries:")
            RemoteOutput.table(["ROLLOVER", "STATE", "ATTEMPTS", "UPDATED", "REASON"], (detail["deliveries"] as? [[String: Any]] ?? []).map {
                ["\($0["rolloverID"] ?? "")", "\($0["state"] ?? "")", "\($0["attempts"] ?? "")", "\($0["updatedAt"] ?? "")", $0["reason"] as? String ?? ""]
            })
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retire a device: its token stops working.")
        @Argument var id: Int64
        @OptionGroup var remote: RemoteOptions
        func run() async throws {
            _ = try await remote.withClient { try await $0.send(.POST, "/api/v1/admin/devices/\(id)/retire") }
            print("Device \(id) retired.")
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send failed deliveries again: of one device (--device) or of a rollover (--rollover).")
        @Option(help: "Retry this device's failed deliveries.") var device: Int64?
        @Option(help: "Retry every failed delivery of this rollover.") var rollover: Int64?
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let path: String
            switch (device, rollover) {
            case (let device?, nil): path = "/api/v1/admin/devices/\(device)/retry"
            case (nil, let rollover?): path = "/api/v1/admin/rollovers/\(rollover)/retry"
            default: throw UsageFailure("give either --device ID or --rollover ID")
            }
            let data = try await remote.withClient { try await $0.send(.POST, path) }
            if json { return RemoteOutput.json(data) }
            print("\(RemoteOutput.object(data)["retried"] ?? 0) failed deliveries will be sent again at the next sync.")
        }
    }
}

/// `rollover trust`: the trust material every device must hold.
struct TrustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust", abstract: "List, add and withdraw the anchors and pins devices must hold (`rollover rollout` follows their delivery).",
        subcommands: [List.self, Add.self, Withdraw.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        @Flag(help: "Include withdrawn certificates.") var withdrawn = false
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let data = try await remote.withClient { try await $0.send(.GET, "/api/v1/admin/trust\(withdrawn ? "?withdrawn=true" : "")") }
            if json { return RemoteOutput.json(data) }
            RemoteOutput.table(["SHA-256", "ROLE", "ROLLOVER", "EXPIRES", "WITHDRAWN", "SUBJECT"], RemoteOutput.array(data).map {
                ["\($0["sha256"] ?? "")", "\($0["role"] ?? "")", ($0["rolloverID"] as? Int).map(String.init) ?? "standing",
                 "\($0["notAfter"] ?? "")", $0["withdrawnAt"] as? String ?? "-", "\($0["subject"] ?? "")"]
            })
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a certificate (PEM file) to the trust material; every device receives it.")
        @Argument(help: "A PEM file with one certificate.") var file: String
        @Option(help: "anchor (a CA devices trust) or pin (an exact server certificate).") var role = "anchor"
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            guard let pem = FileManager.default.contents(atPath: file) else { throw UsageFailure("cannot read \(file)") }
            let request = try JSONSerialization.data(withJSONObject: ["pem": String(decoding: pem, as: UTF8.self), "role": role])
            let data = try await remote.withClient { try await $0.send(.POST, "/api/v1/admin/trust", json: request) }
            if json { return RemoteOutput.json(data) }
            let answer = RemoteOutput.object(data)
            RemoteOutput.line("Added \(answer["role"] ?? "") \(answer["subject"] ?? "") (SHA-256 \(answer["sha256"] ?? "")); rollover \(answer["rolloverID"] ?? "") tracks its delivery.")
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a certificate: devices are told to remove it.")
        @Argument(help: "Its SHA-256 fingerprint.") var sha256: String
        @OptionGroup var remote: RemoteOptions
        func run() async throws {
            _ = try await remote.withClient { try await $0.send(.DELETE, "/api/v1/admin/trust/\(sha256)") }
            print("Withdrawn; devices remove it at their next sync.")
        }
    }
}

/// `rollover export-trust`: the trust material as files for devices that run no agent.
struct ExportTrustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-trust",
        abstract: "Write the anchors for devices without the agent: mobileconfig (Apple), der (Android), pem, windows (.cer by SHA-1), linux (.crt).")
    @Option(help: "mobileconfig, der, pem, windows or linux.") var format: String
    @Option(help: "The folder to write into (created if missing).") var output = "."
    @OptionGroup var remote: RemoteOptions

    func run() async throws {
        let data = try await remote.withClient { try await $0.send(.GET, "/api/v1/admin/trust/export?format=\(format)") }
        let files = RemoteOutput.object(data)["files"] as? [[String: Any]] ?? []
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let written: [(path: String, content: Data)] = files.compactMap { file in
            guard let name = file["name"] as? String, !name.contains("/"), let content = (file["content"] as? String).flatMap({ Data(base64Encoded: $0) }) else {
                return nil
            }
            return ((output as NSString).appendingPathComponent(name), content)
        }
        // Every path checked before the first is written: a refused one leaves the folder as it was.
        for file in written { try AtomicFile.checkTarget(file.path) }
        for file in written {
            try AtomicFile.write(file.content, to: file.path, mode: 0o644)
            print(TerminalText.escaped(file.path))
        }
    }
}
