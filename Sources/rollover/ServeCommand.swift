import ArgumentParser
import Foundation
import RolloverPKI
import RolloverServer

/// `rollover serve`: HTTPS with its own CA on first start; certificates change without a restart.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server: HTTPS with its own CA on first start, the admin API, certificate changes without a restart.",
        discussion: "Settings: flags, then ROLLOVER_DATA, ROLLOVER_LISTEN, ROLLOVER_PLAIN_LISTEN, ROLLOVER_ADDRESS, ROLLOVER_DATABASE, ROLLOVER_MASTER_KEY_FILE, ROLLOVER_IDLE_TIMEOUT, ROLLOVER_REQUEST_TIMEOUT, ROLLOVER_MAX_CONNECTIONS, then a JSON --config file, then defaults. The https-mode setting (rollover settings https-mode on|off, default on; takes effect without a restart): while off, the device API is also served over plain HTTP on the --plain-listen listeners and no certificate change is served; while on, those listeners refuse every request with 403 https-required.")

    @Option(help: "The data folder (default: ./data).") var data: String?
    @Option(name: .customLong("listen"), help: "HOST:PORT to listen on. Repeatable. Default: 0.0.0.0:8443.") var listeners: [String] = []
    @Option(name: .customLong("plain-listen"),
            help: "HOST:PORT for plain HTTP, serving only the device API and health, and only while the https-mode setting is off. Repeatable. Default: none.")
    var plainListeners: [String] = []
    @Option(name: .customLong("address"), help: "A connection address devices use (DNS name or IP). Repeatable. Default: this host's name, localhost and 127.0.0.1.")
    var addresses: [String] = []
    @Option(help: "A PostgreSQL URL instead of SQLite in the data folder.") var database: String?
    @Option(help: "Read the master key from this file.") var masterKeyFile: String?
    @Option(help: "A JSON file with data, listen, plainListen, addresses, database, masterKeyFile (or ROLLOVER_CONFIG).") var config: String?
    @Option(help: "The key of the CA made on first start: ec-p256 (default) or rsa-3072.") var caKeyType: String = KeyType.ecP256.rawValue
    @Option(help: "How long a connection may wait for its next request head, the TLS handshake included (default 30s).")
    var idleTimeout: String?
    @Option(help: "How long a request may take from its head to its response (default 120s).") var requestTimeout: String?
    @Flag(help: "Serve /metrics without an admin token (for a scraper on a trusted network).") var metricsPublic = false
    @Option(help: "Connections open at once across all listeners; more are closed on accept (default 16384).") var maxConnections: Int?

    func run() async throws {
        let settings = try ServeSettings.resolve(
            flags: .init(data: data, listen: listeners.isEmpty ? nil : listeners, addresses: addresses.isEmpty ? nil : addresses,
                         database: database, masterKeyFile: masterKeyFile, plainListen: plainListeners.isEmpty ? nil : plainListeners,
                         idleTimeout: idleTimeout, requestTimeout: requestTimeout, maxConnections: maxConnections),
            environment: ProcessInfo.processInfo.environment, configFile: config, defaultAddresses: Self.defaultAddresses)
        let listen: [RolloverServerRunner.Listener]
        let plainListen: [RolloverServerRunner.Listener]
        let connection: [ConnectionAddress]
        do {
            listen = try settings.listen.map { try RolloverServerRunner.Listener($0) }
            plainListen = try settings.plainListen.map { try RolloverServerRunner.Listener($0, option: "--plain-listen") }
            connection = try settings.addresses.map(ConnectionAddress.init)
        } catch {
            throw UsageFailure("\(error)")
        }
        guard let caKey = KeyType(rawValue: caKeyType), caKey != .rsa2048 else {
            throw UsageFailure("--ca-key-type is ec-p256 or rsa-3072")
        }
        var runner = RolloverServerRunner(dataFolder: settings.data, listeners: listen, addresses: connection,
                                          databaseURL: settings.database, masterKeyFile: settings.masterKeyFile)
        runner.caKeyType = caKey
        runner.plainListeners = plainListen
        runner.connectionLimits = try settings.connectionLimits()
        runner.metricsPublic = metricsPublic
        try await runner.run { line in
            print(line)
            fflush(nil)
        }
    }

    /// This machine's host name (when it is a valid DNS name), localhost and 127.0.0.1.
    static var defaultAddresses: [String] {
        let host = ProcessInfo.processInfo.hostName
        return ((try? ConnectionAddress(host)) != nil && host != "localhost" ? [host] : []) + ["localhost", "127.0.0.1"]
    }
}
