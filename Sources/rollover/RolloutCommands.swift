import ArgumentParser
import Foundation
import RolloverAPIClient

/// `rollover rollout`: start, follow and steer rollovers on a running server.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Start a rollover for a staged certificate (distribute-first, proceed-now, reserve, address-change), follow it and steer it.",
        subcommands: [Start.self, List.self, Show.self, Devices.self, Retry.self, Cancel.self, Proceed.self], defaultSubcommand: List.self)

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a rollover for a staged certificate.")
        @Argument(help: "The certificate's id (from `rollover certs`).") var certificate: Int64
        @Option(help: "distribute-first (default), proceed-now, reserve, auto-reissue or address-change.") var preset = "distribute-first"
        @Option(help: "reserve / address-change: activate after this many days.") var afterDays: Double?
        @Option(name: .customLong("address"), help: "address-change: the new connection addresses (repeatable).") var addresses: [String] = []
        @Flag(help: "proceed-now: switch although active devices would lose the connection.") var confirm = false
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var body: [String: Any] = ["certificateID": certificate, "preset": preset, "confirm": confirm]
            if let afterDays { body["delayDays"] = afterDays }
            if !addresses.isEmpty { body["addresses"] = addresses }
            let request = try JSONSerialization.data(withJSONObject: body)
            let data = try await remote.withClient { try await $0.send(.POST, "/api/v1/admin/rollovers", json: request) }
            if json { return RemoteOutput.json(data) }
            let answer = RemoteOutput.object(data)
            let rollover = answer["rollover"] as? [String: Any] ?? [:]
            if answer["activated"] as? Bool == true {
                RemoteOutput.line("Rollover \(rollover["id"] ?? "") activated certificate \(certificate) now; \(answer["devicesAtRisk"] ?? 0) active device(s) had not confirmed it.")
            } else {
                RemoteOutput.line("Rollover \(rollover["id"] ?? "") (\(rollover["preset"] ?? "")) started: next check or activation \(rollover["checkAt"] ?? ""), latest \(rollover["deadline"] ?? "").")
            }
            for warning in answer["warnings"] as? [String] ?? [] { RemoteOutput.line("warning: \(warning)") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List rollovers with their window and delivery counts.")
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let data = try await remote.withClient { try await $0.send(.GET, "/api/v1/admin/rollovers") }
            if json { return RemoteOutput.json(data) }
            RolloutTable.print(RemoteOutput.array(data))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "View details: counts by delivery state, readiness now, the projected activation.")
        @Argument(help: "The rollover's id.") var id: Int64
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let data = try await remote.withClient { try await $0.send(.GET, "/api/v1/admin/rollovers/\(id)") }
            if json { return RemoteOutput.json(data) }
            RolloutTable.details(RemoteOutput.object(data))
        }
    }

    struct Devices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The rollover's devices with their delivery state, last seen, attempts and reason.")
        @Argument(help: "The rollover's id.") var id: Int64
        @OptionGroup var filters: DevicePageOptions
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let query = filters.query
            let data = try await remote.withClient { try await $0.send(.GET, "/api/v1/admin/rollovers/\(id)/devices?\(query.joined(separator: "&"))") }
            if json { return RemoteOutput.json(data) }
            let page = RemoteOutput.object(data)
            RemoteOutput.table(["DEVICE", "NAME", "PLATFORM", "STATE", "ATTEMPTS", "LAST SEEN", "REASON"], (page["devices"] as? [[String: Any]] ?? []).map { row in
                ["\(row["deviceID"] ?? "")", "\(row["name"] ?? "")", "\(row["platform"] ?? "")", "\(row["state"] ?? "")", "\(row["attempts"] ?? 0)",
                 row["lastSeenAt"] as? String ?? "never", row["reason"] as? String ?? ""]
            })
            if let next = page["next"] { print("next page: --after \(next)") }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send every failed delivery of the rollover again at the devices' next sync.")
        @Argument(help: "The rollover's id.") var id: Int64
        @OptionGroup var remote: RemoteOptions
        func run() async throws {
            let data = try await remote.withClient { try await $0.send(.POST, "/api/v1/admin/rollovers/\(id)/retry") }
            print("\(RemoteOutput.object(data)["retried"] ?? 0) failed deliveries will be sent again.")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel an open rollover (before activation); its certificate is cancelled and its trust material withdrawn.")
        @Argument(help: "The rollover's id.") var id: Int64
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let data = try await remote.withClient { try await $0.send(.POST, "/api/v1/admin/rollovers/\(id)/cancel") }
            if json { return RemoteOutput.json(data) }
            print("Rollover \(id) cancelled.")
        }
    }

    struct Proceed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Activate an open rollover's certificate now (refused while active devices have not confirmed, unless --confirm).")
        @Argument(help: "The rollover's id.") var id: Int64
        @Flag(help: "Switch although active devices would lose the connection.") var confirm = false
        @OptionGroup var remote: RemoteOptions
        @Flag(help: "Print JSON.") var json = false
        func run() async throws {
            let data = try await remote.withClient { try await $0.send(.POST, "/api/v1/admin/rollovers/\(id)/proceed\(confirm ? "?confirm=true" : "")") }
            if json { return RemoteOutput.json(data) }
            RolloutTable.details(RemoteOutput.object(data))
        }
    }
}

/// `rollover alerts`: what the lifecycle raised, newest first.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alerts", abstract: "List the alerts the lifecycle raised, newest first.")
    @Option(help: "How many, 1 to 1000.") var limit = 50
    @OptionGroup var remote: RemoteOptions
    @Flag(help: "Print JSON.") var json = false
    func run() async throws {
        let data = try await remote.withClient { try await $0.send(.GET, "/api/v1/admin/alerts?limit=\(limit)") }
        if json { return RemoteOutput.json(data) }
        RemoteOutput.table(["AT", "SEVERITY", "CODE", "MESSAGE"], (RemoteOutput.object(data)["alerts"] as? [[String: Any]] ?? []).map { row in
            ["\(row["at"] ?? "")", "\(row["severity"] ?? "")", "\(row["code"] ?? "")", "\(row["message"] ?? "")"]
        })
    }
}

/// Human renderings of rollovers for `rollover rollout`.
enum RolloutTable {
    static let states = ["pending", "delivered", "installed", "failed", "retrying"]

    static func print(_ rollovers: [[String: Any]]) {
        RemoteOutput.table(["ID", "PRESET", "STATE", "CERT", "NEXT/ACTIVATES", "DEADLINE"] + states.map { $0.uppercased() }, rollovers.map { row in
            let counts = row["deliveries"] as? [String: Int] ?? [:]
            return ["\(row["id"] ?? "")", "\(row["preset"] ?? "")", "\(row["state"] ?? "")", (row["certificateID"]).map { "\($0)" } ?? "-",
                    row["checkAt"] as? String ?? "", row["deadline"] as? String ?? ""] + states.map { "\(counts[$0] ?? 0)" }
        })
    }

    static func details(_ answer: [String: Any]) {
        let rollover = answer["rollover"] as? [String: Any] ?? [:]
        let readiness = answer["readiness"] as? [String: Any] ?? [:]
        let counts = rollover["deliveries"] as? [String: Int] ?? [:]
        Swift.print("Rollover \(rollover["id"] ?? "") · \(rollover["preset"] ?? "") · \(rollover["state"] ?? "")"
                    + ((rollover["certificateID"]).map { " · certificate \($0)" } ?? ""))
        Swift.print("Deliveries: " + states.map { "\($0) \(counts[$0] ?? 0)" }.joined(separator: ", "))
        Swift.print("Readiness: \(readiness["confirmed"] ?? 0) of \(readiness["activeDevices"] ?? 0) active device(s) confirmed, "
                    + "\(readiness["stragglers"] ?? 0) inactive straggler(s); rule \(answer["readinessThresholdPercent"] ?? 100)% "
                    + ((answer["readinessHolds"] as? Bool) == true ? "holds" : "does not hold"))
        Swift.print("Next check or activation: \(rollover["checkAt"] ?? "-"), latest \(rollover["deadline"] ?? "-"), extensions \(rollover["extensions"] ?? 0)"
                    + ((rollover["heldAt"] as? String).map { ", held since \($0)" } ?? ""))
        Swift.print("Projected activation: \(answer["projectedActivation"] as? String ?? (rollover["state"] as? String == "open" ? "none while not ready (extended, then the deadline policy) or while HTTPS mode is off" : "-"))")
    }
}
