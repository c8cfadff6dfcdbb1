import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOSSL
import RolloverCore
import RolloverPKI
import RolloverService
import ServiceLifecycle

/// `rollover serve`: prepares the data folder on first start, loads the live certificates, and serves the API over
/// HTTPS on every listener, choosing the certificate per handshake so that an activation needs no restart.
public struct RolloverServerRunner: Sendable {
    public struct Listener: Sendable, CustomStringConvertible {
        public var host: String
        public var port: Int

        /// `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces); `option` names the flag in the error.
        public init(_ text: String, option: String = "--listen") throws {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
                throw AuthorityError("\(option) \(text) is not HOST:PORT")
            }
            let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            self.host = host.isEmpty ? "0.0.0.0" : host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public var dataFolder: String
    public var listeners: [Listener]
    /// Plain HTTP listeners (`--plain-listen`): the device API and health only, and only while the `https-mode`
    /// setting is off; everything else there, and everything while it is on, is 403 `https-required`.
    public var plainListeners: [Listener] = []
    public var addresses: [ConnectionAddress]
    public var databaseURL: String?
    public var masterKeyFile: String?
    /// The CA's key type if it is created on this start.
    public var caKeyType: KeyType = .ecP256
    /// `/metrics` without an admin token.
    public var metricsPublic = false
    /// Timeouts and the connection cap of every listener.
    public var connectionLimits = ConnectionLimits()

    /// Accepted connections waiting for the server; the kernel caps it at `net.core.somaxconn`.
    static let backlog = 4096

    public init(dataFolder: String, listeners: [Listener], addresses: [ConnectionAddress], databaseURL: String?, masterKeyFile: String?) {
        self.dataFolder = dataFolder
        self.listeners = listeners
        self.addresses = addresses
        self.databaseURL = databaseURL
        self.masterKeyFile = masterKeyFile
    }

    /// Runs until SIGTERM or SIGINT. `say` receives the lines an administrator needs (where, the CA file, the token).
    public func run(say: @escaping @Sendable (String) -> Void) async throws {
        var logger = Logger(label: "rollover")
        logger.logLevel = .notice
        let context = try await ServiceContext.open(dataFolder: dataFolder, databaseURL: databaseURL, masterKeyFile: masterKeyFile, actor: .system)
        let firstStart = try await FirstStart(context).prepare(addresses: addresses, caKeyType: caKeyType)
        let descriptors = connectionLimits.raiseOpenFileLimit()
        if descriptors < connectionLimits.maximumConnections {
            say("Warning: the open-file limit is \(descriptors), below the connection cap of \(connectionLimits.maximumConnections); raise it (ulimit -n) or lower --max-connections")
        }
        let connections = ConnectionGauge(maximum: connectionLimits.maximumConnections)
        let metrics = ServerMetrics(connections: connections)
        let live = LiveCertificates(onHandshake: { metrics.handshake(certificateSHA256: $0.sha256) })
        try await live.load(from: context)
        guard let initial = live.identity(for: nil) else { throw AuthorityError("no active server certificate to serve") }

        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: initial.chain.map { .certificate($0) }, privateKey: .privateKey(initial.key))
        tls.sslContextCallback = live.callback
        tls.restrictToModernProtocols()

        let router = Router(context: AdminRequestContext.self)
        var api = AdminAPI(context: context, live: live, addresses: addresses, metrics: metrics, logger: logger)
        api.plainListeners = plainListeners.map { "http://\($0)" }
        api.metricsPublic = metricsPublic
        try await api.httpsMode.refresh(from: context.store)
        try api.register(on: router)
        let responder = router.buildResponder()
        var applications: [any Service] = []
        for listener in listeners {
            let address = listener.description
            applications.append(Application(
                responder: responder, server: try .guardedHTTPS(tls: tls, limits: connectionLimits, gauge: connections),
                configuration: .init(address: .hostname(listener.host, port: listener.port), backlog: Self.backlog),
                onServerRunning: { _ in say("Rollover is serving HTTPS on https://\(address)") },
                logger: logger))
        }
        if !plainListeners.isEmpty {
            let plainRouter = Router(context: AdminRequestContext.self)
            api.registerPlainHTTP(on: plainRouter)
            let plainResponder = plainRouter.buildResponder()
            for listener in plainListeners {
                let address = listener.description
                applications.append(Application(
                    responder: plainResponder, server: .guardedHTTP1(limits: connectionLimits, gauge: connections), configuration: .init(address: .hostname(listener.host, port: listener.port), backlog: Self.backlog),
                    onServerRunning: { _ in say("Rollover serves the device API over plain HTTP on http://\(address) while https-mode is off") },
                    logger: logger))
            }
        }
        if let warning = api.httpsModeWarning { say(warning) }
        say("Connection addresses: \(addresses.map(\.description).joined(separator: ", "))")
        say("CA certificate for clients: \(firstStart.caFile)")
        if let token = firstStart.newAdminToken {
            say("Admin token (shown once; also in \(firstStart.adminTokenFile), mode 0600): \(token)")
        }
        say("Console: https://\(addresses.first?.description ?? "localhost"):\(listeners.first?.port ?? 8443)/console (sign in with an admin token)")
        applications.append(api.scheduler)
        let group = ServiceGroup(configuration: .init(services: applications.map { .init(service: $0) },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try await context.store.close()
    }
}
