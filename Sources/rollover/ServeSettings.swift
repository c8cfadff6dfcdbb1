import Foundation
import RolloverCore
import RolloverServer

/// The settings of `rollover serve` from every source, with the usual precedence: flags > environment
/// (`ROLLOVER_DATA`, `ROLLOVER_LISTEN`, `ROLLOVER_PLAIN_LISTEN`, `ROLLOVER_ADDRESS`, `ROLLOVER_DATABASE`,
/// `ROLLOVER_MASTER_KEY_FILE`, `ROLLOVER_IDLE_TIMEOUT`, `ROLLOVER_REQUEST_TIMEOUT`, `ROLLOVER_MAX_CONNECTIONS`; lists
/// comma-separated) > a JSON config file (`--config` or `ROLLOVER_CONFIG`) > defaults.
/// Written here rather than with swift-configuration: five values read once at start do not need its providers.
struct ServeSettings: Equatable {
    var data: String
    var listen: [String]
    var addresses: [String]
    var database: String?
    var masterKeyFile: String?
    /// Plain HTTP listeners for the device API while HTTPS mode is off; none unless configured.
    var plainListen: [String] = []
    /// Connection limits as given (durations as settings write them, `30s`); nil keeps the default.
    var idleTimeout: String?
    var requestTimeout: String?
    var maxConnections: Int?

    /// What a config file may hold; every field optional.
    struct File: Decodable {
        var data: String?
        var listen: [String]?
        var addresses: [String]?
        var database: String?
        var masterKeyFile: String?
        var plainListen: [String]?
        var idleTimeout: String?
        var requestTimeout: String?
        var maxConnections: Int?
    }

    static func resolve(flags: File, environment: [String: String], configFile: String?, defaultAddresses: [String]) throws -> ServeSettings {
        var file = File()
        if let path = configFile ?? environment["ROLLOVER_CONFIG"] {
            guard let data = FileManager.default.contents(atPath: path) else { throw UsageFailure("cannot read the config file \(path)") }
            do { file = try JSONDecoder().decode(File.self, from: data) } catch {
                throw UsageFailure("the config file \(path) is not valid: \(error)")
            }
        }
        func list(_ name: String) -> [String]? {
            environment[name].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        }
        return ServeSettings(
            data: flags.data ?? environment["ROLLOVER_DATA"] ?? file.data ?? "data",
            listen: flags.listen ?? list("ROLLOVER_LISTEN") ?? file.listen ?? ["0.0.0.0:8443"],
            addresses: flags.addresses ?? list("ROLLOVER_ADDRESS") ?? file.addresses ?? defaultAddresses,
            database: flags.database ?? environment["ROLLOVER_DATABASE"] ?? file.database,
            masterKeyFile: flags.masterKeyFile ?? environment["ROLLOVER_MASTER_KEY_FILE"] ?? file.masterKeyFile,
            plainListen: flags.plainListen ?? list("ROLLOVER_PLAIN_LISTEN") ?? file.plainListen ?? [],
            idleTimeout: flags.idleTimeout ?? environment["ROLLOVER_IDLE_TIMEOUT"] ?? file.idleTimeout,
            requestTimeout: flags.requestTimeout ?? environment["ROLLOVER_REQUEST_TIMEOUT"] ?? file.requestTimeout,
            maxConnections: try flags.maxConnections ?? environment["ROLLOVER_MAX_CONNECTIONS"].map(Self.connectionCount) ?? file.maxConnections)
    }

    private static func connectionCount(_ text: String) throws -> Int {
        guard let count = Int(text) else { throw UsageFailure("ROLLOVER_MAX_CONNECTIONS is a whole number, not \(text)") }
        return count
    }

    /// The connection limits these settings ask for, each checked: timeouts from 1 s to 1 h, the cap from 1 to
    /// 1,000,000.
    func connectionLimits() throws -> ConnectionLimits {
        var limits = ConnectionLimits()
        func duration(_ text: String?, _ name: String) throws -> Duration? {
            guard let text else { return nil }
            guard let seconds = SettingDuration.parse(text), (1...3600).contains(seconds) else {
                throw UsageFailure("\(name) is a duration from 1s to 1h such as 30s or 2m, not \(text)")
            }
            return .milliseconds(Int64(seconds * 1000))
        }
        if let idle = try duration(idleTimeout, "--idle-timeout") { limits.idleTimeout = idle }
        if let request = try duration(requestTimeout, "--request-timeout") { limits.requestTimeout = request }
        if let maxConnections {
            guard (1...1_000_000).contains(maxConnections) else { throw UsageFailure("--max-connections is 1 to 1000000, not \(maxConnections)") }
            limits.maximumConnections = maxConnections
        }
        return limits
    }
}
