import ArgumentParser
import Foundation
import RolloverAPIClient

/// `rollover certs`: the server's certificates.
struct CertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "certs", abstract: "List the server's certificates.")
    @OptionGroup var remote: RemoteOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let data = try await remote.withClient { try await $0.send(.GET, "/api/v1/admin/certificates") }
        if json { return RemoteOutput.json(data) }
        RemoteOutput.table(["ID", "STATE", "SOURCE", "HOST", "EXPIRES", "DAYS", "SUBJECT"], RemoteOutput.array(data).map { row in
            ["\(row["id"] ?? "")", "\(row["state"] ?? "")", "\(row["source"] ?? "")", "\(row["hostName"] as? String ?? "default")",
             "\(row["notAfter"] ?? "")", "\(row["daysLeft"] ?? "")", "\(row["subject"] ?? "")"]
        })
    }
}

/// `rollover activate`: switch now (Proceed / Immediately).
struct ActivateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate", abstract: "Activate a certificate now; with enrolled devices, --confirm is required.")
    @Argument(help: "The certificate's id (from `rollover certs`).") var id: Int64
    @Flag(help: "Proceed although devices may lose the connection.") var confirm = false
    @OptionGroup var remote: RemoteOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let data = try await remote.withClient { try await $0.send(.POST, "/api/v1/admin/certificates/\(id)/activate\(confirm ? "?confirm=true" : "")") }
        if json { return RemoteOutput.json(data) }
        let answer = RemoteOutput.object(data)
        let certificate = answer["certificate"] as? [String: Any] ?? [:]
        RemoteOutput.line("Certificate \(id) (\(certificate["subject"] ?? "")) is active; \(answer["devicesAtRisk"] ?? 0) device(s) had not confirmed it.")
    }
}

/// `rollover reissue`: a new certificate from the server's CA.
struct ReissueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reissue", abstract: "Reissue the server certificate from Rollover's CA, keeping or changing the connection addresses.")
    @Option(name: .customLong("address"), help: "New connection addresses (repeatable); the current ones are kept when none are given.")
    var addresses: [String] = []
    @Option(help: "The SNI host name the certificate serves; the default certificate otherwise.") var hostName: String?
    @Flag(help: "Activate it immediately (otherwise it is staged).") var activate = false
    @Option(help: "Activate after this many days: the certificate is distributed to devices as a reserve first.") var afterDays: Double?
    @Flag(help: "Proceed although devices may lose the connection.") var confirm = false
    @OptionGroup var remote: RemoteOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        var body: [String: Any] = ["activate": activate, "confirm": confirm]
        if !addresses.isEmpty { body["addresses"] = addresses }
        if let hostName { body["hostName"] = hostName }
        if let afterDays { body["delayDays"] = afterDays }
        let request = try JSONSerialization.data(withJSONObject: body)
        let data = try await remote.withClient { try await $0.send(.POST, "/api/v1/admin/certificates/reissue", json: request) }
        if json { return RemoteOutput.json(data) }
        let answer = RemoteOutput.object(data)
        let certificate = answer["certificate"] as? [String: Any] ?? [:]
        RemoteOutput.line("Certificate \(certificate["id"] ?? "") for \((certificate["sans"] as? [String] ?? []).joined(separator: ", ")) is \(certificate["state"] ?? "").")
        if let rollover = answer["rollover"] as? [String: Any] {
            RemoteOutput.line("Rollover \(rollover["id"] ?? "") (\(rollover["preset"] ?? "")) delivers it as a reserve; it activates \(rollover["checkAt"] ?? "").")
        }
        for warning in answer["warnings"] as? [String] ?? [] { RemoteOutput.line("warning: \(warning)") }
    }
}

/// `rollover tokens`: admin tokens.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Create, list and revoke admin tokens.", subcommands: [List.self, Create.self, Revoke.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let data = try await remote.withClient { try await $0.send(.GET, "/api/v1/admin/tokens") }
            if json { return RemoteOutput.json(data) }
            RemoteOutput.table(["NAME", "CREATED", "REVOKED"], RemoteOutput.array(data).map {
                ["\($0["name"] ?? "")", "\($0["createdAt"] ?? "")", $0["revokedAt"] as? String ?? "-"]
            })
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token; it is printed once.")
        @Argument var name: String
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            try NameArgument.check(name, what: "an admin token's name")
            let request = try JSONSerialization.data(withJSONObject: ["name": name])
            let data = try await remote.withClient { try await $0.send(.POST, "/api/v1/admin/tokens", json: request) }
            if json { return RemoteOutput.json(data) }
            print(RemoteOutput.object(data)["token"] as? String ?? "")
        }
    }

    struct Revoke: AsyncParsableCommand {
        @Argument var name: String
        @OptionGroup var remote: RemoteOptions
        func run() async throws {
            _ = try await remote.withClient { try await $0.send(.DELETE, "/api/v1/admin/tokens/\(name)") }
            print("Token \(name) revoked.")
        }
    }
}

/// `rollover settings [KEY VALUE]`: show or change settings.
struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "settings", abstract: "Show all settings, or set one: rollover settings KEY VALUE.")
    @Argument var key: String?
    @Argument var value: String?
    @OptionGroup var remote: RemoteOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let data: Data
        if let key, let value {
            let request = try JSONSerialization.data(withJSONObject: ["value": value])
            data = try await remote.withClient { try await $0.send(.PUT, "/api/v1/admin/settings/\(key)", json: request) }
        } else {
            guard key == nil else { throw UsageFailure("give both KEY and VALUE to change a setting") }
            data = try await remote.withClient { try await $0.send(.GET, "/api/v1/admin/settings") }
        }
        if json { return RemoteOutput.json(data) }
        let settings = RemoteOutput.object(data)
        RemoteOutput.table(["SETTING", "VALUE"], settings.keys.sorted().filter { $0 != "warnings" }.map { [$0, "\(settings[$0] ?? "")"] })
        for warning in settings["warnings"] as? [String] ?? [] { RemoteOutput.line("warning: \(warning)") }
    }
}

/// `rollover audit [--before ID]`: the audit log, newest first, a page at a time.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Show the audit log, newest first.",
                                                    discussion: "A page at a time: a page that is not the last ends with the --before that shows the next one.")
    @Option(help: "How many entries (1 to 1000).") var limit = 50
    @Option(help: "Only entries older than this id (the next page: the id a page ends with, its `next` in --json).") var before: Int64?
    @OptionGroup var remote: RemoteOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let page = "/api/v1/admin/audit?limit=\(limit)" + (before.map { "&before=\($0)" } ?? "")
        let data = try await remote.withClient { try await $0.send(.GET, page) }
        if json { return RemoteOutput.json(data) }
        let answer = RemoteOutput.object(data)
        let entries = answer["entries"] as? [[String: Any]] ?? []
        RemoteOutput.table(["WHEN", "WHO", "WHAT", "SUBJECT", "DETAIL"], entries.map { entry in
            let when = (entry["at"] as? Double).map { ISO8601DateFormatter().string(from: Date(timeIntervalSinceReferenceDate: $0)) } ?? "\(entry["at"] ?? "")"
            let subject = [entry["subjectKind"] as? String, (entry["subjectID"] as? Int).map(String.init)].compactMap { $0 }.joined(separator: " ")
            return [when, "\(entry["actor"] ?? "")", "\(entry["action"] ?? "")", subject, entry["detail"] as? String ?? ""]
        })
        if let next = answer["next"] as? Int { print("Older entries: rollover audit --before \(next)") }
    }
}
