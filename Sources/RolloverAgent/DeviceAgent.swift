import Foundation
import RolloverCore
import X509

/// `rollover agent`: enrolls once, then syncs on the period the server gives. Each sync reports what the trust
/// store holds and how the last installs went, applies the answer through the pure `TrustUpdate`, writes the
/// store atomically, and — when something was installed, removed or refused — reports that at once in a second
/// sync, so the server learns the outcome without waiting a whole period.
public actor DeviceAgent {
    public struct Options: Sendable {
        public var server: URL
        public var folder: AgentStateFolder
        public var name: String
        public var platform: DevicePlatform
        public var systemTrust: SystemTrustInstaller?
        public var agentVersion = "1.0.0"

        public init(server: URL, folder: AgentStateFolder, name: String, platform: DevicePlatform, systemTrust: SystemTrustInstaller? = nil) {
            self.server = server
            self.folder = folder
            self.name = name
            self.platform = platform
            self.systemTrust = systemTrust
        }
    }

    /// What one sync did, for the log line and for tests.
    public struct SyncSummary: Sendable {
        public var results: [InstallResult]
        public var nextSyncSeconds: Int
        public var held: [String]
    }

    let options: Options
    let client: AgentHTTPSClient
    let say: @Sendable (String) -> Void
    /// Results not yet reported to the server.
    private var unreported: [InstallResult] = []
    /// A handover walk not yet reported to the server (it audits it).
    private var unreportedWalk: SyncRequest.Walk?

    public init(options: Options, client: AgentHTTPSClient = AgentHTTPSClient(), say: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.client = client
        self.say = say
    }

    /// Enrolls with the secret when the folder holds no device yet; returns the device id.
    @discardableResult
    public func enrollIfNeeded(with enrollment: EnrollmentFile?, extraAnchors: [TrustItem]) async throws -> Int64 {
        if let existing = try options.folder.credentials() { return existing.deviceID }
        guard let enrollment else {
            throw AgentError("\(options.folder.path) holds no enrolled device: the first run needs --enroll-secret-file")
        }
        var bootstrap = TrustStore(anchors: enrollment.anchors + extraAnchors, pins: enrollment.pins ?? [],
                                   handoverSequence: enrollment.handoverSequence)
        guard !bootstrap.anchors.isEmpty || !bootstrap.pins.isEmpty else {
            throw AgentError("the first connection needs an anchor to verify the server: use the enrollment file written by "
                             + "`rollover enroll-secrets create --output`, or give --ca-file")
        }
        let request = EnrollRequest(secret: enrollment.secret, name: options.name, platform: options.platform, agentVersion: options.agentVersion)
        let response: EnrollResponse
        do {
            (response, _) = try await post("/api/v1/enroll", request, token: nil, store: bootstrap, as: EnrollResponse.self)
        } catch let refusal as AgentRefusal {
            // An enrollment file made before the server's certificate changed: catch up, then enroll over a verified connection.
            bootstrap = try await recover(from: bootstrap, refusal: refusal)
            (response, _) = try await post("/api/v1/enroll", request, token: nil, store: bootstrap, as: EnrollResponse.self)
        }
        let outcome = TrustUpdate.apply(response.trust, to: bootstrap, now: Date())
        try options.folder.save(AgentStateFolder.Credentials(server: options.server.absoluteString, deviceID: response.deviceID,
                                                             deviceToken: response.deviceToken, name: options.name, platform: options.platform,
                                                             systemTrustAllowed: enrollment.anchors.map(\.fingerprint)))
        try commit(outcome.store)
        say("enrolled as device \(response.deviceID); trust store holds \(outcome.store.held.count) certificate(s)")
        return response.deviceID
    }

    /// One sync, and an immediate second one when the first changed or refused something.
    public func sync() async throws -> SyncSummary {
        var summary = try await syncOnce()
        if !unreported.isEmpty {
            let first = summary.results
            summary = try await syncOnce()
            summary.results = first + summary.results
        }
        return summary
    }

    /// Syncs forever at the server's pace; a failed sync is logged and retried after a short pause.
    public func run() async throws {
        var pause = 30
        while !Task.isCancelled {
            do {
                let summary = try await sync()
                pause = max(1, summary.nextSyncSeconds)
            } catch {
                // A refused server is said loudly but retried: the device must come back once the server is right.
                say("sync failed: \(error); retrying in \(min(pause, 60)) s")
                pause = min(pause, 60)
            }
            try await Task.sleep(for: .seconds(pause))
        }
    }

    private func syncOnce() async throws -> SyncSummary {
        guard let credentials = try options.folder.credentials() else { throw AgentError("\(options.folder.path) holds no enrolled device") }
        var store = try options.folder.trustStore()
        let current = store.droppingExpired(now: Date())
        if !current.dropped.isEmpty {
            try commit(current.store)
            store = current.store
            say("dropped \(current.dropped.count) expired pin(s) or reserve: \(current.dropped.map { String($0.prefix(16)) }.joined(separator: ", "))")
        }
        let reporting = unreported
        func request(_ store: TrustStore) -> SyncRequest {
            var request = SyncRequest(deviceID: credentials.deviceID, agentVersion: options.agentVersion, platform: options.platform,
                                      held: store.held, results: reporting, handoverSequence: store.handoverSequence ?? 0)
            request.walked = unreportedWalk
            return request
        }
        let response: SyncResponse, through: Set<String>
        do {
            (response, through) = try await postToAnyAddress("/api/v1/sync", request(store), token: credentials.deviceToken, store: store,
                                                             as: SyncResponse.self)
        } catch let refusal as AgentRefusal {
            // The server changed to a certificate this store cannot verify (the device was away through a whole
            // rollover): catch up through the signed handover records, and keep the result only if the server's
            // certificate verifies against it on a new connection.
            let recovered = try await recover(from: store, refusal: refusal)
            (response, through) = try await postToAnyAddress("/api/v1/sync", request(recovered), token: credentials.deviceToken, store: recovered,
                                                             as: SyncResponse.self)
            try commit(recovered)
            store = recovered
        }
        unreported.removeFirst(min(reporting.count, unreported.count))
        unreportedWalk = nil

        let outcome = TrustUpdate.apply(response, to: store, now: Date(), protected: through)
        var results = outcome.results
        var kept = outcome.store
        if outcome.changed {
            do {
                try commit(outcome.store)
            } catch {
                // Nothing changed on disk, so nothing was installed or removed: say why instead.
                kept = store
                results = results.map { result in
                    result.status == .failed ? result : InstallResult(fingerprint: result.fingerprint, status: .failed, reason: "\(error)")
                }
            }
        }
        unreported += results
        let counts = Dictionary(grouping: results, by: \.status).mapValues(\.count)
        say("synced: \(counts[.installed] ?? 0) installed, \(counts[.removed] ?? 0) removed, \(counts[.failed] ?? 0) failed"
            + results.filter { $0.status == .failed }.map { " (\($0.fingerprint.prefix(16)): \($0.reason ?? ""))" }.joined()
            + "; next sync in \(response.nextSyncSeconds) s")
        return SyncSummary(results: results, nextSyncSeconds: response.nextSyncSeconds, held: kept.held)
    }

    /// Walks the handover records the refusing server offers from `store`'s state, page by page. Throws the
    /// refusal, with why the walk failed too, unless every record verified; installs nothing itself.
    private func recover(from store: TrustStore, refusal: AgentRefusal) async throws -> TrustStore {
        let server = refusal.server ?? options.server
        let host = server.host(percentEncoded: false).map { $0.hasPrefix("[") ? String($0.dropFirst().dropLast()) : $0 } ?? ""
        switch await HandoverWalk.catchUp(from: store, host: host, now: Date(), fetch: { try await fetchHandover(server: server, host: host, after: $0) }) {
        case .walked(let state, let from, let to):
            say("caught up through handover records \(from + 1)...\(to)")
            unreportedWalk = SyncRequest.Walk(from: from, to: to)
            return state
        case .refused(let reason):
            say("refused the handover records: \(reason)")
            throw AgentRefusal(reason: "\(refusal.reason); \(reason)", server: server)
        }
    }

    /// `GET /api/v1/handover` over a connection whose certificate is not checked: nothing secret is sent, and
    /// nothing in the answer counts but through its signatures (`HandoverWalk`).
    private func fetchHandover(server: URL, host: String, after: Int) async throws -> HandoverAnswer {
        var components = URLComponents(url: server.appendingPathComponent("api/v1/handover"), resolvingAgainstBaseURL: false)
        components?.queryItems = [URLQueryItem(name: "host", value: host), URLQueryItem(name: "after", value: String(after))]
        guard let url = components?.url else { throw AgentError("cannot build the handover URL from \(server)") }
        let response = try await client.send(url: url, method: "GET", headers: [("Accept", "application/json")], body: nil) { _, _ in .trusted }
        guard response.status == 200 else { throw AgentError("the server answered \(response.status) to the handover request") }
        return try DeviceProtocol.decoder().decode(HandoverAnswer.self, from: Data(response.body))
    }

    private func commit(_ store: TrustStore) throws {
        if var systemTrust = options.systemTrust {
            systemTrust.policy.allowed.formUnion(try options.folder.credentials()?.systemTrustAllowed ?? [])
            try systemTrust.synchronize(anchors: store.anchors)
        }
        try options.folder.save(store)
    }

    /// Tries each address the server can be reached at (see `ServerAddresses`) until one answers with a trusted
    /// certificate, so a device follows an address change and still finds the server if it missed it.
    private func postToAnyAddress<Body: Encodable, Answer: Decodable>(_ path: String, _ body: Body, token: String?, store: TrustStore,
                                                                      as: Answer.Type) async throws -> (Answer, Set<String>) {
        let candidates = ServerAddresses.candidates(enrolled: options.server, store: store, now: Date())
        var lastError: (any Error)?
        for server in candidates {
            do { return try await post(path, body, token: token, store: store, as: Answer.self, server: server) } catch let error as AgentError {
                throw error  // the server answered: another address would answer the same
            } catch {
                lastError = error
                if server != candidates.last { say("could not use \(server.absoluteString): \(error); trying the next address") }
            }
        }
        throw lastError ?? AgentError("the server has no address to connect to")
    }

    /// POSTs JSON to the server, accepting it only if `ServerTrustEvaluation` trusts its chain against `store`.
    /// Returns the decoded answer and the fingerprints the server was trusted through.
    private func post<Body: Encodable, Answer: Decodable>(_ path: String, _ body: Body, token: String?, store: TrustStore,
                                                          as: Answer.Type, server: URL? = nil) async throws -> (Answer, Set<String>) {
        let url = (server ?? options.server).appendingPathComponent(String(path.dropFirst()))
        let through = ThroughBox()
        var headers = [("Content-Type", "application/json"), ("Accept", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let response: HTTPSResponse
        do {
            response = try await client.send(url: url, method: "POST", headers: headers, body: Array(try DeviceProtocol.encoder().encode(body))) {
                chain, host in
                switch await ServerTrustEvaluation.evaluate(chain: chain, host: host, store: store, now: Date()) {
                case .trusted(let fingerprints):
                    through.set(fingerprints)
                    return .trusted
                case .refused(let reason):
                    return .refused(reason)
                }
            }
        } catch let error as AgentHTTPSClientError {
            if case .untrustedServer(let reason) = error { throw AgentRefusal(reason: reason, server: server ?? options.server) }
            throw error
        }
        guard response.status == 200 else {
            let message = (try? JSONDecoder().decode(ServerErrorBody.self, from: Data(response.body)))
                .map { "\($0.error.code): \($0.error.message)" } ?? String(decoding: response.body.prefix(200), as: UTF8.self)
            throw AgentError("the server answered \(response.status) to \(path): \(message)")
        }
        return (try DeviceProtocol.decoder().decode(Answer.self, from: Data(response.body)), through.get())
    }
}

/// The agent would not talk to the server because its certificate is not trusted: never retried silently.
public struct AgentRefusal: Error, CustomStringConvertible, Sendable {
    public var reason: String
    /// The address that presented the refused certificate.
    public var server: URL?
    public var description: String { "refused the server: \(reason)" }

    public init(reason: String, server: URL? = nil) {
        self.reason = reason
        self.server = server
    }
}

private struct ServerErrorBody: Decodable {
    struct Detail: Decodable {
        var code: String
        var message: String
    }
    var error: Detail
}

/// Carries the trusted fingerprints out of the verification callback.
private final class ThroughBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Set<String> = []
    func set(_ fingerprints: Set<String>) { lock.withLock { value = fingerprints } }
    func get() -> Set<String> { lock.withLock { value } }
}
