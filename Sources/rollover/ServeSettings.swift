import Foundation

/// The settings of `rollover serve` from every source, with the usual precedence: flags > environment
/// (`ROLLOVER_DATA`, `ROLLOVER_LISTEN`, `ROLLOVER_PLAIN_LISTEN`, `ROLLOVER_ADDRESS`, `ROLLOVER_DATABASE`,
/// `ROLLOVER_MASTER_KEY_FILE`; lists comma-separated) > a JSON config file (`--config` or `ROLLOVER_CONFIG`) > defaults.
/// Written here rather than with swift-configuration: five values read once at start do not need its providers.
struct ServeSettings: Equatable {
    var data: String
    var listen: [String]
    var addresses: [String]
    var database: String?
    var masterKeyFile: String?
    /// Plain HTTP listeners for the device API while HTTPS mode is off; none unless configured.
    var plainListen: [String] = []

    /// What a config file may hold; every field optional.
    struct File: Decodable {
        var data: String?
        var listen: [String]?
        var addresses: [String]?
        var database: String?
        var masterKeyFile: String?
        var plainListen: [String]?
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
            plainListen: flags.plainListen ?? list("ROLLOVER_PLAIN_LISTEN") ?? file.plainListen ?? [])
    }
}
