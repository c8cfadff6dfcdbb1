import ArgumentParser
import Foundation
import RolloverPKI
import RolloverServer

/// `rollover serve`: HTTPS with its own CA on first start; certificates change without a restart.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server: HTTPS with its own CA on first start, the admin API, certificate changes without a restart.")

    @Option(name: .customLong("listen"), help: "HOST:PORT to listen on. Repeatable. Default: 0.0.0.0:8443.")
    var listeners: [String] = []

    @Option(name: .customLong("address"), help: "A connection address devices use (DNS name or IP). Repeatable. Default: this host's name, localhost and 127.0.0.1.")
    var addresses: [String] = []

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let listen: [RolloverServerRunner.Listener]
        let connection: [ConnectionAddress]
        do {
            listen = try (listeners.isEmpty ? ["0.0.0.0:8443"] : listeners).map(RolloverServerRunner.Listener.init)
            let names = addresses.isEmpty ? Self.defaultAddresses : addresses
            connection = try names.map(ConnectionAddress.init)
        } catch {
            throw UsageFailure("\(error)")
        }
        let runner = RolloverServerRunner(dataFolder: store.data, listeners: listen, addresses: connection,
                                          databaseURL: store.database, masterKeyFile: store.masterKeyFile)
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
